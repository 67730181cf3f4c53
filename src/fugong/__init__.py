"""Fugong (复工): epidemic prevention and the return to work, run on data."""

__version__ = "0.1.0"
