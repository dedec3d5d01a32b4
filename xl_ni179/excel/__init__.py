"""Excel's door: the ribbon and its sheets, the worksheet functions (UDFs), the consolidator's master
workbook and the add-in build (``addin``).

Only this package imports xlwings: inside functions, except in ``udfs``, the module Excel loads for
the worksheet functions, whose ``@xw.func`` decorators need it at import (nothing of ours imports
``udfs``, so nothing else loads xlwings by importing it)."""
