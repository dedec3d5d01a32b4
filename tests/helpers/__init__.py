"""Helpers shared by several test modules (a package, so no test module imports another)."""
