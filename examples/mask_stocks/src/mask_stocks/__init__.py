"""Mask stocks by county (口罩库存): an outside Fugong app built on the hub's hooks only."""
