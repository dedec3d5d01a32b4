"""The checks that apply the rules. A data check (``base``) holds the Excel form (for the
template's Checks sheet) and the Python form (for receipt) side by side, and declares the
rule codes it emits; ``data`` lists them in the Checks sheet's order (from ``inputs``,
``computed``, ``across_years`` and ``signoff``). ``email_address`` is the contact-email check
in both forms and ``receipt`` the round-closed check. Structure checks are made by
``xl_ni179.intake.validate`` and file checks by ``xl_ni179.intake.safety``."""
