"""Signed session cookies in itsdangerous's ``URLSafeTimedSerializer`` format, without
its per-call set-up.

itsdangerous builds a signer and derives the HMAC key from the secret and salt on
every ``dumps`` and ``loads`` (for every key tried): a session read and written by
one request derives the same key four times. :class:`CookieCodec` derives each key
once and keeps its HMAC's padded-key hash states, so a signature is two hash
copies. The format is itsdangerous's own, byte for byte
(``tests/test_cookie_codec.py`` compares them both ways): the payload, zlib-compressed
and marked with a leading ``.`` when that is shorter, URL-safe base64 without
padding; a ``.``; the big-endian timestamp in the same base64; a ``.``; the HMAC of
all that. Failures raise itsdangerous's own exceptions.

Used by :class:`erlen.sessions.SecureCookieSessionInterface` for its default
settings (HMAC key derivation, SHA-1 or another hashlib digest by name); any other
settings go through itsdangerous as before.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import typing as t
import zlib

from itsdangerous import BadPayload, BadSignature, BadTimeSignature, SignatureExpired
from itsdangerous.timed import TimestampSigner

#: Byte translations XOR-ing with HMAC's inner and outer pads (RFC 2104).
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))


class _Mac:
    """HMAC with one key, its padded-key hash states computed once: a signature is
    then two hash copies, where ``hmac.digest`` sets the whole HMAC up each time."""

    __slots__ = ("inner", "outer")

    def __init__(self, key: bytes, digest: str) -> None:
        block = hashlib.new(digest).block_size
        if len(key) > block:
            key = hashlib.new(digest, key).digest()
        key = key.ljust(block, b"\0")
        self.inner = hashlib.new(digest, key.translate(_INNER_PAD))
        self.outer = hashlib.new(digest, key.translate(_OUTER_PAD))

    def __call__(self, message: bytes) -> bytes:
        inner = self.inner.copy()
        inner.update(message)
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.digest()

#: URL-safe base64 to standard and back (what ``base64.urlsafe_b64*`` translate).
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
#: The longest data ``zlib.compress`` cannot shorten by two bytes (its header and
#: checksum alone take six): such data is sent as it is without trying.
_INCOMPRESSIBLE = 9


def base64_encode(data: bytes) -> bytes:
    """itsdangerous's ``base64_encode``: URL-safe base64 without padding."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def base64_decode(data: bytes) -> bytes:
    """itsdangerous's ``base64_decode`` (what ``base64.urlsafe_b64decode`` accepts,
    padding added); ``binascii.Error`` for what it refuses."""
    return binascii.a2b_base64(data.translate(_FROM_URLSAFE) + b"=" * (-len(data) % 4))


def _timestamp() -> int:
    """The signing clock: itsdangerous's own, looked up at each call, so a clock frozen
    there (``TimestampSigner.get_timestamp`` patched, as tests do) holds here too."""
    return TimestampSigner.get_timestamp(None)  # type: ignore[arg-type]


class CookieCodec:
    """Signs and verifies session payloads for one set of keys, salt and digest."""

    __slots__ = ("digest", "keys", "macs", "serializer")

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
        #: A signing function per key (as ``keys``).
        self.macs: list[t.Callable[[bytes], bytes]] = [self._mac(key) for key in self.keys]

    def _mac(self, key: bytes) -> t.Callable[[bytes], bytes]:
        try:
            mac = _Mac(key, self.digest)
        except (ValueError, TypeError, AttributeError):  # not a block hash hashlib has
            return lambda message: hmac.digest(key, message, self.digest)
        if mac(b"erlen") != hmac.digest(key, b"erlen", self.digest):  # pragma: no cover
            return lambda message: hmac.digest(key, message, self.digest)
        return mac

    def dumps(self, obj: t.Any) -> str:
        """The signed cookie value for ``obj``."""
        data = self.serializer.dumps(obj)
        if isinstance(data, str):
            data = data.encode()
        if len(data) > _INCOMPRESSIBLE and len(compressed := zlib.compress(data)) < len(data) - 1:
            payload = b"." + base64_encode(compressed)
        else:
            payload = base64_encode(data)
        value = payload + b"." + base64_encode(_timestamp().to_bytes(8, "big").lstrip(b"\0"))
        signature = base64_encode(self.macs[0](value))
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
        for mac in self.macs:
            if hmac.compare_digest(expected, mac(value)):
                break
        else:
            raise BadSignature(f"Signature {signature!r} does not match", payload=value)
        payload, sep, stamp = value.rpartition(b".")
        if not sep:
            raise BadTimeSignature("timestamp missing", payload=value)
        try:
            stamp_bytes = base64_decode(stamp)
            if len(stamp_bytes) > 8:  # what itsdangerous's 8-byte unpacking refuses
                raise ValueError(stamp_bytes)
            timestamp = int.from_bytes(stamp_bytes, "big")
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
