"""Package data (kept as a package so setuptools installs it)."""
