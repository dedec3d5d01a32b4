"""A returned file on its way in: the safety layer (``safety``), the bounded pool (``pool``), the reader
(``reader``, ``values``), validation (``validate``) and what it says back (``render``, ``annotate``)."""
