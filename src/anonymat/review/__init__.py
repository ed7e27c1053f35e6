"""Checking and putting right a finished run: verify, the report, fix, the roster, evaluate."""
