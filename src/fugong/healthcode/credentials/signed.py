"""Documents signed by the root key (trust lists, revocation lists) and the gate's cached copy of each.

A document is a CBOR map with ``type``, ``version`` and ``issued_at``, carried in a COSE_Sign1 made by the
root key. Gates pin the root's public key; they accept a newer version only, so a stolen old list
cannot be replayed to bring a revoked key back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cbor2

from fugong.errors import Conflict, InvalidInput, NotFound
from fugong.healthcode.credentials.cose import decode_sign1, verify_signature
from fugong.healthcode.credentials.keys import KeyRecord, KeyStatus, Signer
from fugong.healthcode.credentials.reasons import CredentialError

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class SignedDocumentError(InvalidInput):
    """A trust or revocation list that is not signed by the pinned root, or is of the wrong kind."""

    code = "signed_document_invalid"


def sign_document(kind: str, body: dict[str, Any], root: Signer) -> bytes:
    """Sign ``body`` (which must hold ``version`` and ``issued_at``) as a document of ``kind``."""
    if root.record.issuer != "root":
        raise InvalidInput(f"documents are signed by the root key, not by a key of {root.record.issuer}")
    return root.sign(bytes(cbor2.dumps({**body, "type": kind})))


def open_document(data: bytes, root: KeyRecord, kind: str) -> dict[str, Any]:
    """Check the root signature and the kind; return the document body."""
    if root.status is not KeyStatus.active:
        raise SignedDocumentError(f"the pinned root key {root.kid} is {root.status.value}")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise SignedDocumentError(f"{kind}: {len(data)} bytes is over the {MAX_DOCUMENT_BYTES}-byte limit")
    try:
        message = decode_sign1(data)
        if message.kid != bytes.fromhex(root.kid):
            raise SignedDocumentError(f"{kind} is signed by key {message.kid!r}, not by the pinned root {root.kid}")
        verify_signature(message, root.public_key)
        body = cbor2.loads(message.payload)
    except CredentialError as exc:
        raise SignedDocumentError(f"{kind}: {exc.detail}") from exc
    except cbor2.CBORDecodeError as exc:
        raise SignedDocumentError(f"{kind}: the signed body is not CBOR: {exc}") from exc
    if not isinstance(body, dict) or body.get("type") != kind:
        raise SignedDocumentError(f"the document is not a {kind}")
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SignedDocumentError(f"{kind}: version must be a positive integer")
    return body


class DocumentCache:
    """A gate's cached copy of one signed document, as a file; updates must be newer and root-signed."""

    def __init__(self, path: Path, root: KeyRecord, kind: str) -> None:
        self.path = path
        self.root = root
        self.kind = kind

    def read(self) -> dict[str, Any]:
        """The cached document, checked again (the file may have been tampered with)."""
        if not self.path.exists():
            raise NotFound(f"no cached {self.kind} at {self.path}; sync the gate first")
        return open_document(self.path.read_bytes(), self.root, self.kind)

    def store(self, data: bytes) -> dict[str, Any]:
        """Check a fetched document and replace the cached copy; an older version is refused."""
        body = open_document(data, self.root, self.kind)
        if self.path.exists():
            cached = self.read()
            if body["version"] < cached["version"]:
                raise Conflict(f"{self.kind} version {body['version']} is older than the cached {cached['version']}")
            if body["version"] == cached["version"] and data != self.path.read_bytes():
                raise Conflict(f"{self.kind} version {body['version']} differs from the cached copy of that version")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self.path)
        return body
