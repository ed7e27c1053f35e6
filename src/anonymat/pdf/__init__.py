"""The anonymized PDF and the output pages kept on disk until it is written."""
