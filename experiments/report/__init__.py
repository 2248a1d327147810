"""The reproduction report, one module per study (see __main__.py)."""
