"""Revisions, one file per change, chained after ``0001_foundation``."""
