"""Offline verifications per second on one core (one thread), against raw ECDSA verifies in the same run.

    python bench/bench_verify.py [--codes 2000] [--rounds 5] [--seconds 1.0] [--alg ES256|EdDSA]
                                 [--revoked 10000] [--superseded 100000]

Inputs: ``--codes`` distinct codes (own subjects, colours and code ids) from one issuer key, verified
in a loop by an OfflineVerifier whose revocation list holds ``--revoked`` revoked codes and
``--superseded`` superseded subjects (none of them the benchmark's). The baseline is cryptography's
ECDSA P-256 / SHA-256 ``verify`` over a Sig_structure of the same length, on a prepared key. Rounds of
both alternate so that load from other processes hits both alike; the median round is reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cryptography
from cryptography.hazmat.backends.openssl import backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from fugong.healthcode.credentials.codec import decode_text
from fugong.healthcode.credentials.cose import decode_sign1, to_be_signed
from fugong.healthcode.credentials.credential import issue_code
from fugong.healthcode.credentials.keys import KeyStore
from fugong.healthcode.credentials.revocations import RevocationList
from fugong.healthcode.credentials.trustlist import build_trust_list
from fugong.healthcode.credentials.verify import OfflineVerifier

GOAL_PER_SECOND = 5000
NOW = datetime(2020, 2, 20, 8, 0, tzinfo=UTC)


def _rate(step: Callable[[int], object], items: int, seconds: float) -> float:
    """Calls per second of ``step(i)`` over at least ``seconds``."""
    done, start = 0, time.perf_counter()
    while True:
        for i in range(items):
            step(i)
        done += items
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--alg", choices=["ES256", "EdDSA"], default="ES256")
    parser.add_argument("--revoked", type=int, default=10_000)
    parser.add_argument("--superseded", type=int, default=100_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        store = KeyStore(Path(folder))
        store.create_root(now=NOW)
        store.create_issuer_key("330100", alg=args.alg, now=NOW)
        signer = store.signer("330100")
        colours = ["green", "yellow", "red"]
        codes = [
            issue_code(signer, secrets.token_hex(16), colours[i % 3], i % 7, now=NOW).text for i in range(args.codes)
        ]
        revocations = RevocationList()
        expiry = int((NOW + timedelta(days=1)).timestamp())
        revocations = RevocationList(
            version=2,
            issued_at=int(NOW.timestamp()),
            revoked_codes={secrets.token_bytes(8): expiry for _ in range(args.revoked)},
            superseded={secrets.token_hex(16): (3, int(NOW.timestamp())) for _ in range(args.superseded)},
        )
        verifier = OfflineVerifier(build_trust_list(store, 1, now=NOW), revocations)

    at = NOW + timedelta(hours=1)
    assert all(verifier.verify(text, now=at).valid for text in codes), "benchmark codes must verify"

    sample = decode_sign1(decode_text(codes[0]))
    tbs = to_be_signed(sample.protected, sample.payload)
    baseline_key = ec.generate_private_key(ec.SECP256R1())
    algorithm = ec.ECDSA(hashes.SHA256())
    der = baseline_key.sign(tbs, algorithm)
    public = baseline_key.public_key()

    ours, raw = [], []
    for _ in range(args.rounds):
        ours.append(_rate(lambda i: verifier.verify(codes[i], now=at), len(codes), args.seconds))
        raw.append(_rate(lambda i: public.verify(der, tbs, algorithm), len(codes), args.seconds))
    ours_rate, raw_rate = statistics.median(ours), statistics.median(raw)

    print(
        f"python {platform.python_version()}, cryptography {cryptography.__version__}, {backend.openssl_version_text()}"
    )
    print(f"cpu: {platform.processor() or platform.machine()}, one thread, load avg {os.getloadavg()[0]:.2f}")
    print(
        f"inputs: {args.codes} distinct {args.alg} codes of {len(codes[0])} characters; revocation list with "
        f"{args.revoked} codes and {args.superseded} subjects; {args.rounds} rounds of >= {args.seconds} s each"
    )
    print(f"offline verify (prefix..decision): {ours_rate:,.0f}/s ({1e6 / ours_rate:.0f} µs each)")
    print(f"baseline raw ECDSA P-256 verify:   {raw_rate:,.0f}/s ({1e6 / raw_rate:.0f} µs each)")
    print(f"ratio offline / raw ECDSA: {ours_rate / raw_rate:.2f}")
    met = "met" if ours_rate >= GOAL_PER_SECOND else "NOT met"
    print(f"goal >= {GOAL_PER_SECOND:,}/s on one core: {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
