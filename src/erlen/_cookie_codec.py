"""Signed session cookies in itsdangerous's ``URLSafeTimedSerializer`` format, without
its per-call set-up.

itsdangerous builds a signer and derives the HMAC key from the secret and salt on
every ``dumps`` and ``loads`` (for every key tried): a session read and written by
one request derives the same key four times. :class:`CookieCodec` derives each key
once and signs with one HMAC call. The format is itsdangerous's own, byte for byte
(``tests/test_sessions.py`` compares them both ways): the payload, zlib-compressed
and marked with a leading ``.`` when that is shorter, URL-safe base64 without
padding; a ``.``; the big-endian timestamp in the same base64; a ``.``; the HMAC of
all that. Failures raise itsdangerous's own exceptions.

Used by :class:`erlen.sessions.SecureCookieSessionInterface` for its default
settings (HMAC key derivation, SHA-1 or another hashlib digest by name); any other
settings go through itsdangerous as before.
"""

from __future__ import annotations

import hmac
import typing as t
import zlib

from itsdangerous import BadPayload, BadSignature, BadTimeSignature, SignatureExpired
from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int, int_to_bytes
from itsdangerous.timed import TimestampSigner


def _timestamp() -> int:
    """The signing clock: itsdangerous's own, looked up at each call, so a clock frozen
    there (``TimestampSigner.get_timestamp`` patched, as tests do) holds here too."""
    return TimestampSigner.get_timestamp(None)  # type: ignore[arg-type]


class CookieCodec:
    """Signs and verifies session payloads for one set of keys, salt and digest."""

    __slots__ = ("digest", "keys", "serializer")

    def __init__(
        self,
        secret_keys: t.Sequence[str | bytes],
        salt: str | bytes,
        serializer: t.Any,
        digest: str,
    ) -> None:
        salt_bytes = salt.encode() if isinstance(salt, str) else salt
        #: Derived keys, newest first: the first signs, any verifies (as itsdangerous).
        self.keys = [
            hmac.digest(key.encode() if isinstance(key, str) else key, salt_bytes, digest)
            for key in reversed(secret_keys)
        ]
        self.digest = digest
        self.serializer = serializer

    def dumps(self, obj: t.Any) -> str:
        """The signed cookie value for ``obj``."""
        data = self.serializer.dumps(obj)
        if isinstance(data, str):
            data = data.encode()
        compressed = zlib.compress(data)
        if len(compressed) < len(data) - 1:
            payload = b"." + base64_encode(compressed)
        else:
            payload = base64_encode(data)
        value = payload + b"." + base64_encode(int_to_bytes(_timestamp()))
        signature = base64_encode(hmac.digest(self.keys[0], value, self.digest))
        return (value + b"." + signature).decode("ascii")

    def loads(self, signed: str | bytes, max_age: int | None = None) -> t.Any:
        """The object in a signed cookie value; itsdangerous's ``BadData`` subclasses
        for a bad signature, timestamp or payload, or an expired one."""
        if isinstance(signed, str):
            try:
                signed = signed.encode()
            except UnicodeEncodeError:
                raise BadSignature("The value is not text a cookie can hold.") from None
        value, sep, signature = signed.rpartition(b".")
        if not sep:
            raise BadSignature("No '.' found in value")
        try:
            expected = base64_decode(signature)
        except Exception:
            raise BadSignature(f"Signature {signature!r} does not match") from None
        digest = self.digest
        for key in self.keys:
            if hmac.compare_digest(expected, hmac.digest(key, value, digest)):
                break
        else:
            raise BadSignature(f"Signature {signature!r} does not match", payload=value)
        payload, sep, stamp = value.rpartition(b".")
        if not sep:
            raise BadTimeSignature("timestamp missing", payload=value)
        try:
            timestamp = bytes_to_int(base64_decode(stamp))
        except Exception:
            raise BadTimeSignature("Malformed timestamp", payload=payload) from None
        if max_age is not None:
            age = _timestamp() - timestamp
            if age > max_age:
                raise SignatureExpired(f"Signature age {age} > {max_age} seconds")
            if age < 0:
                raise SignatureExpired(f"Signature age {age} < 0 seconds")
        return self._load_payload(payload)

    def _load_payload(self, payload: bytes) -> t.Any:
        compressed = payload.startswith(b".")
        try:
            data = base64_decode(payload[1:] if compressed else payload)
            if compressed:
                data = zlib.decompress(data)
            text = data.decode("utf-8")
        except Exception as e:
            raise BadPayload("Could not decode the payload.", original_error=e) from e
        try:
            return self.serializer.loads(text)
        except Exception as e:
            raise BadPayload("Could not load the payload.", original_error=e) from e
