"""NI 179 value-for-money savings collection."""

__version__ = "0.1.0"
