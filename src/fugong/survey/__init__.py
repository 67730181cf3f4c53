"""Grassroots digital forms (基层数据采集): org units, form definitions, validation, submission, roll-ups."""
