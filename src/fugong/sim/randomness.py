"""Seeded random streams: one independent generator per (seed, purpose, part), stable across runs and machines."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, purpose: str, *parts: int | str) -> np.random.Generator:
    """A generator for one purpose and part (e.g. ``("persons", "330382")``); the same inputs give the same draws.

    Keys are hashed with CRC-32 rather than ``hash()`` because Python randomises string hashes per process.
    """
    keys = [seed, zlib.crc32(purpose.encode())]
    keys += [p if isinstance(p, int) else zlib.crc32(p.encode()) for p in parts]
    return np.random.default_rng(np.random.SeedSequence(keys))


def scramble(index: np.ndarray, modulus: int, salt: int) -> np.ndarray:
    """A bijection of ``0..modulus-1`` (affine, multiplier coprime to powers of 10): unique numbers that look random."""
    multiplier = 48_271 * 2 + 1  # odd and not a multiple of 5: coprime to any 10**k
    return (index.astype(np.int64) * multiplier + salt) % modulus
