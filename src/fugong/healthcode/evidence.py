"""Evidence uploaded with an appeal (a negative test report): PDF, JPEG or PNG, checked, then kept encrypted.

The declared content type must be one of the three and the first bytes must say the same (a renamed executable
is refused). A test report is personal health data, so the file is kept sealed with AES-256-GCM under a key
derived from the store's field-encryption secret, as ``data_dir/healthcode/evidence/<sha256>.sealed``: a copy of
the folder reveals nothing. The appeal records the file's name and SHA-256; :meth:`EvidenceBox.read` opens the
file again for the officials who decide the appeal and checks it is the one that was uploaded.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fugong.errors import FugongError, InvalidInput, NotFound
from fugong.settings import Settings

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


class MissingEvidence(NotFound):
    """The appeal has no file, or its file is no longer kept (removed by the retention purge)."""

    code = "missing_evidence"


class DamagedEvidence(FugongError):
    """A kept file cannot be opened: the key differs from the one it was sealed with, or the file is damaged."""

    code = "damaged_evidence"
    status = 500


@dataclass(frozen=True)
class Evidence:
    """A checked upload: the name as sent (made safe), its SHA-256 and where it is kept (sealed)."""

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


def content_type_of(content: bytes) -> str:
    """The content type of an opened file, from its first bytes (one of the three accepted kinds)."""
    for content_type, (magic, _) in KINDS.items():
        if content.startswith(magic):
            return content_type
    return "application/octet-stream"


_SEALED = b"FGE1"  # format marker of a sealed evidence file: marker, 12-byte nonce, AES-GCM ciphertext and tag
_NONCE_BYTES = 12


class EvidenceBox:
    """The folder of sealed evidence files, with the key that seals and opens them."""

    def __init__(self, folder: Path, secret: bytes) -> None:
        if not secret:
            raise ValueError("the field-encryption key is empty")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"fugong appeal evidence").derive(secret)
        self.folder = folder
        self._aead = AESGCM(key)

    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceBox:
        """The box under ``data_dir/healthcode/evidence``, keyed from ``settings.key("field_encryption")``."""
        return cls(settings.data_dir / "healthcode" / "evidence", settings.key("field_encryption"))

    def path(self, sha256: str) -> Path:
        """Where the file with this SHA-256 is kept."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise InvalidEvidence(f"{sha256!r} is not a SHA-256 in 64 lower-case hex digits", field="sha256")
        return self.folder / f"{sha256}.sealed"

    def keep(self, name: str, content_type: str, content: bytes, limit: int = MAX_EVIDENCE_BYTES) -> Evidence:
        """Check an upload and keep it sealed (written atomically, named by the SHA-256 of its content)."""
        safe, _ = check(name, content_type, content, limit)
        digest = hashlib.sha256(content).hexdigest()
        path = self.path(digest)
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            nonce = os.urandom(_NONCE_BYTES)
            sealed = self._aead.encrypt(nonce, content, digest.encode("ascii"))
            partial = self.folder / f".{digest}.partial"
            partial.write_bytes(_SEALED + nonce + sealed)
            os.replace(partial, path)
        return Evidence(safe, digest, path)

    def read(self, sha256: str) -> bytes:
        """The content of the kept file with this SHA-256, opened and checked against it."""
        path = self.path(sha256)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise MissingEvidence(f"the evidence file {sha256[:12]}… is no longer kept", field="file") from None
        head = len(_SEALED) + _NONCE_BYTES
        try:
            if not raw.startswith(_SEALED):
                raise ValueError("not a sealed evidence file")
            content = self._aead.decrypt(raw[len(_SEALED) : head], raw[head:], sha256.encode("ascii"))
        except (InvalidTag, ValueError):
            raise DamagedEvidence(
                f"the evidence file {path.name} cannot be opened: the field_encryption_key differs from the one it "
                "was sealed with, or the file is damaged"
            ) from None
        if hashlib.sha256(content).hexdigest() != sha256:
            raise DamagedEvidence(f"the evidence file {path.name} does not hold the file that was uploaded")
        return content

    def remove(self, sha256: str) -> bool:
        """Delete the kept file with this SHA-256; False if it was not there."""
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True
