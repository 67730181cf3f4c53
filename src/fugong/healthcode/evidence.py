"""Evidence uploaded with an appeal (a negative test report): PDF, JPEG or PNG, checked by type, content and size.

The declared content type must be one of the three and the first bytes must say the same (a renamed executable
is refused); the file is kept under ``data_dir/healthcode/evidence/<sha256>.<ext>`` and the appeal records its
name and SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from fugong.errors import InvalidInput

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
"""The largest evidence file accepted: 5 MiB (a scanned report or a phone photo)."""
KINDS = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
}
_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


class InvalidEvidence(InvalidInput):
    """An evidence file of the wrong type, with content that does not match its type, empty, or too large."""

    code = "invalid_evidence"


@dataclass(frozen=True)
class Evidence:
    """A checked upload: the name as sent (made safe), its SHA-256 and where it is kept."""

    name: str
    sha256: str
    path: Path


def check(name: str, content_type: str, content: bytes, limit: int = MAX_EVIDENCE_BYTES) -> tuple[str, str]:
    """(safe file name, extension) of an acceptable upload; a named error otherwise."""
    kind = KINDS.get(content_type.split(";")[0].strip().lower())
    if kind is None:
        raise InvalidEvidence(
            f"{name!r}: type {content_type!r} is not accepted; send a PDF, JPEG or PNG file", field="file"
        )
    if not content:
        raise InvalidEvidence(f"{name!r} is empty", field="file")
    if len(content) > limit:
        raise InvalidEvidence(
            f"{name!r} is {len(content):,} bytes; the limit is {limit:,} bytes ({limit // (1024 * 1024)} MiB)",
            field="file",
        )
    magic, extension = kind
    if not content.startswith(magic):
        raise InvalidEvidence(f"{name!r} does not hold a {extension.upper()} file as its type says", field="file")
    safe = _SAFE_NAME.sub("_", Path(name).name)[:120] or f"evidence.{extension}"
    return safe, extension


def keep(folder: Path, name: str, content_type: str, content: bytes, limit: int = MAX_EVIDENCE_BYTES) -> Evidence:
    """Check an upload and keep it (written atomically, named by its SHA-256)."""
    safe, extension = check(name, content_type, content, limit)
    digest = hashlib.sha256(content).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{extension}"
    if not path.exists():
        partial = folder / f".{digest}.partial"
        partial.write_bytes(content)
        os.replace(partial, path)
    return Evidence(safe, digest, path)
