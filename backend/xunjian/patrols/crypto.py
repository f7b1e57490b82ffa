"""Encryption at rest of what is written about the people met on patrols (PIPL 第五十一条: 加密、去标识化), and the
blind index that keeps exact search by name and hometown.

Pure: imports neither Piccolo nor Litestar. The key comes from outside the database (`XUNJIAN_PII_KEY`, 32 bytes in
base64; `Settings.pii_keys`). From it, HKDF-SHA256 derives three keys that never meet: one for AES-256-GCM, one for
the blind index (HMAC-SHA256), one for the key id. A sealed value is

    xj1:<key id>:<base64url(12-byte nonce | ciphertext | 16-byte tag)>

`xj1` is the format version; the key id names the key that sealed it, so after a rotation values under the previous
key (`XUNJIAN_PII_KEY_OLD`) are still read, until `xunjian pii encrypt-existing` re-seals them under the new one. The
column's name is the associated data: a value copied into another column does not open. An empty value stays empty
(it says only "not known", which the flags say already); a value without the prefix is a row from before encryption,
read as it is until `encrypt-existing` seals it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = "xj1"
PREFIX = FORMAT + ":"
KEY_BYTES = 32


class SealError(Exception):
    """A sealed value that this keyring cannot open: another key, or a damaged value."""


def parse_key(raw: str, name: str) -> bytes:
    """A key as configured: 32 bytes in standard or URL-safe base64. ValueError says what is wrong, never the key."""
    text = raw.strip()
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if ("-" in text or "_" in text) else None,
                               validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{name} is not base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"{name} must be {KEY_BYTES} bytes in base64 (it is {len(key)})")
    return key


def new_key() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def _derive(master: bytes, purpose: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=b"xunjian-pii/" + purpose).derive(master)


def normalise(value: str) -> str:
    """What exact search compares: NFKC (full-width forms fold), case folded, no white space at all."""
    return "".join(unicodedata.normalize("NFKC", value).casefold().split())


@dataclass(frozen=True)
class _Key:
    kid: str
    aead: AESGCM
    index_key: bytes

    @classmethod
    def of(cls, master: bytes) -> "_Key":
        return cls(kid=_derive(master, b"key-id/v1", 4).hex(), aead=AESGCM(_derive(master, b"aes-gcm/v1")),
                   index_key=_derive(master, b"blind-index/v1"))

    def index(self, value: str) -> str:
        norm = normalise(value)
        return hmac.new(self.index_key, norm.encode(), hashlib.sha256).hexdigest() if norm else ""


class Keyring:
    """The current key (seals, indexes) and, during a rotation, the previous one (opens, searches)."""

    def __init__(self, current: bytes, old: bytes | None = None):
        self.current = _Key.of(current)
        self.old = _Key.of(old) if old is not None and old != current else None
        self._by_kid = {k.kid: k for k in (self.current, self.old) if k is not None}

    @property
    def kid(self) -> str:
        return self.current.kid

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._by_kid)

    @property
    def current_prefix(self) -> str:
        return f"{PREFIX}{self.kid}:"

    def seal(self, field: str, value: str | None) -> str:
        if not value:
            return ""
        nonce = os.urandom(12)
        body = self.current.aead.encrypt(nonce, value.encode(), field.encode())
        return self.current_prefix + base64.urlsafe_b64encode(nonce + body).decode().rstrip("=")

    def open(self, field: str, value: str | None) -> str:
        if not value or not value.startswith(PREFIX):
            return value or ""
        try:
            _, kid, body = value.split(":", 2)
            key = self._by_kid[kid]
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return key.aead.decrypt(raw[:12], raw[12:], field.encode()).decode()
        except KeyError:
            raise SealError(f"{field} was sealed with key {value.split(':')[1]!r}, which is neither "
                            "XUNJIAN_PII_KEY nor XUNJIAN_PII_KEY_OLD") from None
        except (ValueError, InvalidTag, UnicodeDecodeError):
            raise SealError(f"{field} does not open: a damaged value") from None

    def seal_json(self, field: str, value: Any) -> str:
        """A JSON column's value (a list of features, a dict of answers) as the JSON text Piccolo stores as given:
        the sealed JSON as a JSON string, or the empty value as it is."""
        if not value:
            return json.dumps(value if value is not None else [])
        return json.dumps(self.seal(field, json.dumps(value, ensure_ascii=False, separators=(",", ":"))))

    def open_json(self, field: str, value: Any) -> Any:
        """Accepts what a select gives: decoded (`load_json=True`) or the JSON text."""
        if isinstance(value, str):
            if value.startswith('"') or value[:1] in ("[", "{"):
                value = json.loads(value)
            if isinstance(value, str):
                return json.loads(self.open(field, value)) if value.startswith(PREFIX) else value
        return value

    def index(self, value: str | None) -> str:
        return self.current.index(value or "")

    def indexes(self, value: str) -> list[str]:
        """The blind index of a search term under every key in the ring (values under the previous key are found
        until re-sealed)."""
        return [i for i in dict.fromkeys(k.index(value) for k in self._by_kid.values()) if i]

    def sealed_under_current(self, value: str | None) -> bool:
        return bool(value) and value.startswith(self.current_prefix)
