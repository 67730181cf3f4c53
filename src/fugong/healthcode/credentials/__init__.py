"""Signed health code credentials (凭证): CWT in COSE_Sign1, ``FG1:`` text, QR, keys, trust lists, verification."""
