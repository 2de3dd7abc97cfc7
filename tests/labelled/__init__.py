"""Labelled spoken answers (text with synthetic word times) for the coaching tests."""
