"""Sheet names of the master workbook. The Excel add-in refreshes these sheets in place."""

DASHBOARD = "Dashboard"
RETURNS_STATUS = "Returns status"
SAVINGS = "Savings against target"
TOTALS = "Totals"
TRAJECTORY = "Trajectory"
FORECAST_CONFIDENCE = "Forecast confidence"
VALUE_FOR_MONEY = "Value for money"
PROJECTS_AND_FUNDING = "Projects and funding"
FINDINGS = "Findings"

SHEET_NAMES: tuple[str, ...] = (
    DASHBOARD,
    RETURNS_STATUS,
    SAVINGS,
    TOTALS,
    TRAJECTORY,
    FORECAST_CONFIDENCE,
    VALUE_FOR_MONEY,
    PROJECTS_AND_FUNDING,
    FINDINGS,
)
