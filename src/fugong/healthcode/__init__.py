"""Health code (健康码): colour rules, status, credentials and verification."""
