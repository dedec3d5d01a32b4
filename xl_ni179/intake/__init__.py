"""A returned file on its way in: the safety layer (``safety``) and the bounded pool it runs
in (``pool``), the problems it reports made findings (``screen``), the reader (``reader``,
``values``), validation (``validate``) and what it says back (``render``, ``annotate``)."""
