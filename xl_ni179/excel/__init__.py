"""Excel's door: the ribbon and its sheets, the worksheet functions (UDFs), the consolidator's master
workbook, the add-in build (``addin``), and LibreOffice for recalculating workbooks without Excel.
Only this package imports xlwings, and only inside functions."""
