"""The checks that apply the rules. A data check (``data``) holds the Excel form (for the
template's Checks sheet) and the Python form (for receipt) side by side, and declares the
rule codes it emits; ``email_address`` is the contact-email check in both forms and
``receipt`` the round-closed check. Structure checks are made by ``xl_ni179.intake.validate``
and file checks by ``xl_ni179.intake.safety``."""
