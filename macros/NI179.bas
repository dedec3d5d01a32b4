Attribute VB_Name = "NI179"
' NI 179 ribbon: one Sub per button of macros/customUI.xml (onAction="NI179.<Sub>").
'
' Each Sub hands its step to Python with xlwings' RunPython (from the xlwings module in
' this add-in), calling a function of xl_ni179.excel.ribbon. In the same Python run, before the
' step, r.check_version compares this add-in's version with the installed xl_ni179
' package: when they differ it shows a message saying how to fix it and returns False,
' so the step is skipped. One Python start per click, not two.
'
' This file is built into NI179.xlam by `ni179 addin build`: edit it here, not in Excel.
' The list of Subs and Python functions is also in xl_ni179/addin/sources.py (RIBBON_CALLS);
' the build and the tests check that the two agree.
Option Explicit

' Replaced by the xl_ni179 package version when the add-in is built.
Public Const NI179_ADDIN_VERSION As String = "dev"

Private Function WorkbookIsOpen() As Boolean
    ' RunPython hands Python the active workbook; on Excel's start screen there is none
    ' and RunPython would stop with a VBA error, so say what to do instead.
    If ActiveWorkbook Is Nothing Then
        MsgBox "NI 179 needs a workbook open in Excel to run." & vbNewLine & vbNewLine & _
               "Open any workbook (File > New > Blank workbook), then click the button again.", _
               vbInformation, "NI 179"
        WorkbookIsOpen = False
    Else
        WorkbookIsOpen = True
    End If
End Function

Sub Settings(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xl_ni179.excel.ribbon as r; r.check_version('" & NI179_ADDIN_VERSION & "') and r.settings()"
End Sub

Sub GenerateTemplates(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xl_ni179.excel.ribbon as r; r.check_version('" & NI179_ADDIN_VERSION & "') and r.generate_templates()"
End Sub

Sub ReceiveFolder(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xl_ni179.excel.ribbon as r; r.check_version('" & NI179_ADDIN_VERSION & "') and r.receive_folder()"
End Sub

Sub ValidateOpenWorkbook(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xl_ni179.excel.ribbon as r; r.check_version('" & NI179_ADDIN_VERSION & "') and r.validate_open_workbook()"
End Sub

Sub RefreshStatus(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xl_ni179.excel.ribbon as r; r.check_version('" & NI179_ADDIN_VERSION & "') and r.refresh_status()"
End Sub

Sub DraftChasers(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xl_ni179.excel.ribbon as r; r.check_version('" & NI179_ADDIN_VERSION & "') and r.draft_chasers()"
End Sub

Sub Consolidate(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xl_ni179.excel.ribbon as r; r.check_version('" & NI179_ADDIN_VERSION & "') and r.consolidate()"
End Sub

Sub DraftPaper(control As IRibbonControl)
    If Not WorkbookIsOpen() Then Exit Sub
    RunPython "import xl_ni179.excel.ribbon as r; r.check_version('" & NI179_ADDIN_VERSION & "') and r.draft_paper()"
End Sub
