"""Tests of signed health code credentials, keys, trust lists, offline verification and the EU DCC suite."""
