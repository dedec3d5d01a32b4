"""The returns store: every received file, its validation report and the extracted figures."""
