"""The demo: a built-in scenario (``data``) run through the whole cycle of a round (``run``)."""
