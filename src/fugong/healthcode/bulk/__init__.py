"""Bulk re-evaluation (批量重新赋码): everyone's colour from a table of facts, compiled to Ibis (DuckDB or PySpark)."""
