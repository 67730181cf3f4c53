"""Checkpoints (卡口): places, the admit/refuse decision, scan records, online verification, citizens' codes."""
