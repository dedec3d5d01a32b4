"""What the return holds: its inputs and sheets (``schema``), where the computed cells are and the
formulas they hold (``layout``), formulas and references compared by meaning (``formulas``), and the
figures a template is prefilled with (``prefill``)."""
