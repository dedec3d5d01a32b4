"""Limits a returned file must stay within before anything parses it.

The return template is under 200 rows x 20 columns and well under 1 MB, so each limit
leaves at least ten times that headroom: a genuine return never meets one, while a
hostile file is stopped before it can cost more than a second or a few megabytes.
Checks read these names at call time, so a caller (or a test) can change one.
"""

from xl_ni179.text import CELL_UNITS

MB = 1024 * 1024

# The package (zip) as a whole.
MAX_FILE_BYTES = 20 * MB  # the file as received, compressed
MAX_TOTAL_BYTES = 50 * MB  # sum of every part's declared uncompressed size
MAX_PART_BYTES = 20 * MB  # one part, uncompressed
MAX_RATIO = 100  # uncompressed:compressed; real sheet XML compresses 5-20:1
RATIO_MIN_BYTES = 1 * MB  # small parts may compress well without being a bomb
MAX_PARTS = 1000  # Excel writes ~10 parts plus ~3 per sheet
MAX_CENTRAL_DIRECTORY_BYTES = 4 * MB  # the zip's table of contents, read before parts
# A sheet's printer settings are one Windows DEVMODE: a fixed part and the driver's own
# data, each at most 64 KB, so 128 KB holds any that a printer driver can make.
MAX_PRINTER_SETTINGS_BYTES = 128 * 1024

# Worksheets.
MAX_ROWS = 2000
MAX_COLUMNS = 200
MAX_CELLS_PER_SHEET = 100_000
MAX_CELLS_TOTAL = 200_000

# Text.
MAX_SHARED_STRINGS = 50_000
MAX_STRING_CHARS = CELL_UNITS  # Excel's own limit for the text of one cell, in UTF-16 units
# A text of at most this many characters is within the limit whatever they are (a character
# is at most two UTF-16 units): only a longer one need be measured.
TEXT_SURELY_FITS = MAX_STRING_CHARS // 2

# XML elements in one part, counted on the bytes before lxml parses it: a bound on scanning
# time and on the tree lxml builds (~300 bytes an element: 500,000 cost ~145 MB). A sheet at
# the cell limit has ~500,000. (Nesting is bounded by lxml itself: 256 levels, huge_tree off.)
MAX_ELEMENTS_LARGE = 600_000  # worksheets and the shared strings
MAX_ELEMENTS_SMALL = 20_000  # workbook, relationships, content types, external links

# Reading.
CHUNK_BYTES = 64 * 1024  # decompressed bytes fed to a scanner at a time
MAX_FINDINGS = 20  # a hostile file can repeat one problem thousands of times

# The bounded parser (xl_ni179.intake.safety.bounded).
MEMORY_LIMIT_BYTES = 1024 * MB  # address space of a worker process
PARSE_TIMEOUT_SECONDS = 60.0
