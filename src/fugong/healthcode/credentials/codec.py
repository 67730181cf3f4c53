"""The text layer of a QR credential: prefix, base45 and zlib, with hard size limits against zip bombs."""

from __future__ import annotations

import zlib

import base45

from fugong.healthcode.credentials.reasons import CredentialError, Reason

FUGONG_PREFIX = "FG1:"
DCC_PREFIX = "HC1:"

# A version-40 QR code holds at most 4,296 alphanumeric characters, so longer text never came from a scan.
MAX_TEXT_CHARS = 4296
# Our COSE messages are ~200 bytes and EU certificates a few kilobytes; 16 KiB leaves room, a bomb does not fit.
MAX_DECOMPRESSED_BYTES = 16 * 1024


def encode_text(cose: bytes, prefix: str = FUGONG_PREFIX) -> str:
    """Compress a COSE message with zlib (level 9), base45-encode it and put the prefix in front."""
    encoded: bytes = base45.b45encode(zlib.compress(cose, 9))
    return prefix + encoded.decode("ascii")


def strip_prefix(text: str, prefix: str = FUGONG_PREFIX) -> str:
    """The base45 part after the prefix; refuses over-long text and any other prefix."""
    if not isinstance(text, str):
        raise CredentialError(Reason.wrong_prefix, f"expected text, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS + len(prefix):
        raise CredentialError(Reason.input_too_large, f"{len(text)} characters; at most {MAX_TEXT_CHARS} fit a QR code")
    if not text.startswith(prefix):
        raise CredentialError(Reason.wrong_prefix, f"expected the prefix {prefix!r}")
    return text[len(prefix) :]


def decode_base45(text: str) -> bytes:
    """Base45-decode, naming a damaged text as such."""
    if len(text) > MAX_TEXT_CHARS:
        raise CredentialError(Reason.input_too_large, f"{len(text)} characters; at most {MAX_TEXT_CHARS} fit a QR code")
    try:
        return bytes(base45.b45decode(text))
    except (ValueError, TypeError, KeyError) as exc:
        raise CredentialError(Reason.bad_base45, str(exc) or None) from exc


def decompress(data: bytes, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """zlib-decompress at most ``limit`` bytes; a stream that would grow past it is refused unread."""
    if not data:
        raise CredentialError(Reason.bad_compression, "no data to decompress")
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise CredentialError(Reason.bad_compression, str(exc)) from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise CredentialError(Reason.too_large_decompressed, f"more than {limit} bytes after decompression")
    if not inflater.eof:
        raise CredentialError(Reason.bad_compression, "the zlib stream is truncated")
    if inflater.unused_data:
        raise CredentialError(Reason.bad_compression, "bytes follow the end of the zlib stream")
    return out


def decode_text(text: str, prefix: str = FUGONG_PREFIX, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Prefix, base45 and zlib undone: the COSE bytes inside a scanned code."""
    return decompress(decode_base45(strip_prefix(text, prefix)), limit)
