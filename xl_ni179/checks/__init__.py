"""The checks that implement the data rules: each holds the Excel form (for the template's Checks
sheet) and the Python form (for receipt) side by side, and declares the rule codes it emits."""
