"""The sealed backup file: X25519 to the operator's public key, AES-256-GCM in chunks.

The server holds only the public key, so it can make backups it cannot read. Each backup
gets a fresh (ephemeral) X25519 key; its exchange with the operator's public key, through
HKDF-SHA256, gives the AES-256-GCM key. The dump is sealed in chunks, streamed, never whole
in memory; each chunk's nonce is its number plus a "last chunk" flag, so chunks can't be
reordered, dropped, or cut off at the end without the file failing to open. The header is
the associated data of every chunk, so it can't be altered either. Layout in
docs/backups.md.
"""

import base64
import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext_lazy as _

from potluck.core.errors import DomainError

MAGIC = b"POTLUCK-BACKUP\n\x00"
VERSION = 1
CHUNK_SIZE = 1 << 20
TAG_SIZE = 16
HKDF_INFO = b"potluck-backup v1 aes-256-gcm"
PUBLIC_PREFIX = "potluck-backup-public:"
SECRET_PREFIX = "potluck-backup-secret:"  # noqa: S105 - a label, not a secret
# version, engine length | fingerprint, ephemeral public key, chunk size
_FIXED = struct.Struct(">BB")
_KEYS = struct.Struct(">8s32sI")
_FRAME = struct.Struct(">BI")  # last-chunk flag, ciphertext length

NOT_A_BACKUP = _("This file is not a Potluck backup.")
NEWER_FORMAT = _(
    "This backup uses format %(version)s, which this version of Potluck can't read: "
    "upgrade Potluck to restore it."
)
WRONG_KEY = _(
    "This backup was sealed for another key (fingerprint %(wanted)s); the private key you "
    "gave has fingerprint %(given)s. Use the key that matches the server's "
    "POTLUCK_BACKUP_PUBLIC_KEY when this backup was made."
)
DAMAGED = _(
    "This backup is damaged or has been altered (part %(part)s doesn't check out). "
    "Nothing was restored."
)
TRUNCATED = _("This backup is incomplete: it stops before its last part. Nothing was restored.")
TRAILING = _(
    "This backup has extra data after its last part, so it may have been altered. "
    "Nothing was restored."
)
BAD_PUBLIC_KEY = _(
    'That is not a backup public key: it starts with "potluck-backup-public:". '
    "`potluck backup --generate-key` makes a key pair."
)
BAD_SECRET_KEY = _(
    'That is not a backup private key: it starts with "potluck-backup-secret:". '
    "`potluck backup --generate-key` makes a key pair."
)


@dataclass(frozen=True)
class Header:
    engine: str
    fingerprint: str
    ephemeral: bytes
    chunk_size: int
    raw: bytes  # the header's bytes, authenticated with every chunk


def new_key_pair() -> tuple[str, str]:
    """A fresh (private, public) pair, as the text the operator keeps and configures."""
    private = X25519PrivateKey.generate()
    return secret_key_text(private), public_key_text(private.public_key())


def secret_key_text(key: X25519PrivateKey) -> str:
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return SECRET_PREFIX + base64.urlsafe_b64encode(raw).decode()


def public_key_text(key: X25519PublicKey) -> str:
    return PUBLIC_PREFIX + base64.urlsafe_b64encode(_raw(key)).decode()


def load_public_key(text: str) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(_decode(text, PUBLIC_PREFIX, BAD_PUBLIC_KEY))


def load_secret_key(text: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_decode(text, SECRET_PREFIX, BAD_SECRET_KEY))


def fingerprint(key: X25519PublicKey) -> str:
    """A short name for a public key, shown to tell keys apart (not a secret)."""
    return hashlib.sha256(_raw(key)).hexdigest()[:16]


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _decode(text: str, prefix: str, error: object) -> bytes:
    text = text.strip()
    if not text.startswith(prefix):
        raise DomainError(str(error), code="bad_key")
    try:
        raw = base64.urlsafe_b64decode(text[len(prefix) :].encode())
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise DomainError(str(error), code="bad_key")
    return raw


def _aead(shared: bytes, ephemeral: bytes, recipient: bytes) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=HKDF_INFO
    ).derive(shared)
    return AESGCM(key)


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def read_full(stream: IO[bytes], size: int) -> bytes:
    """`size` bytes, or fewer only at the end of the stream (pipes return short reads)."""
    parts, missing = [], size
    while missing:
        part = stream.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def seal(
    *,
    source: IO[bytes],
    target: IO[bytes],
    engine: str,
    public_key: X25519PublicKey,
    chunk_size: int = CHUNK_SIZE,
) -> None:
    """Write `source`, sealed to `public_key`, to `target`, one chunk at a time."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = _raw(ephemeral.public_key())
    engine_raw = engine.encode("ascii")
    header = (
        MAGIC
        + _FIXED.pack(VERSION, len(engine_raw))
        + engine_raw
        + _KEYS.pack(bytes.fromhex(fingerprint(public_key)), ephemeral_raw, chunk_size)
    )
    aead = _aead(ephemeral.exchange(public_key), ephemeral_raw, _raw(public_key))
    target.write(header)
    counter, chunk = 0, read_full(source, chunk_size)
    while True:
        following = read_full(source, chunk_size) if len(chunk) == chunk_size else b""
        last = not following
        sealed = aead.encrypt(_nonce(counter, last), chunk, header)
        target.write(_FRAME.pack(last, len(sealed)) + sealed)
        if last:
            return
        counter, chunk = counter + 1, following


def read_header(stream: IO[bytes]) -> Header:
    """The header at the start of a backup file; refuses anything else."""
    start = read_full(stream, len(MAGIC) + _FIXED.size)
    if len(start) < len(MAGIC) + _FIXED.size or not start.startswith(MAGIC):
        raise DomainError(str(NOT_A_BACKUP), code="not_a_backup")
    version, engine_length = _FIXED.unpack(start[len(MAGIC) :])
    if version != VERSION:
        raise DomainError(NEWER_FORMAT % {"version": version}, code="newer_format")
    rest = read_full(stream, engine_length + _KEYS.size)
    if len(rest) < engine_length + _KEYS.size:
        raise DomainError(str(TRUNCATED), code="truncated")
    key_id, ephemeral, chunk_size = _KEYS.unpack(rest[engine_length:])
    if not 0 < chunk_size <= 64 * CHUNK_SIZE:
        raise DomainError(DAMAGED % {"part": 0}, code="damaged")
    return Header(
        engine=rest[:engine_length].decode("ascii", errors="replace"),
        fingerprint=key_id.hex(),
        ephemeral=ephemeral,
        chunk_size=chunk_size,
        raw=start + rest,
    )


def check_key(header: Header, secret_key: X25519PrivateKey) -> None:
    """Refuse a key the backup wasn't sealed for, naming both fingerprints."""
    given = fingerprint(secret_key.public_key())
    if given != header.fingerprint:
        raise DomainError(
            WRONG_KEY % {"wanted": header.fingerprint, "given": given}, code="wrong_key"
        )


def unseal(*, stream: IO[bytes], header: Header, secret_key: X25519PrivateKey) -> Iterator[bytes]:
    """The backup's plain chunks, in order; DomainError the moment anything doesn't check
    out (a changed byte, a missing or extra chunk, a cut-off end)."""
    check_key(header, secret_key)
    try:
        shared = secret_key.exchange(X25519PublicKey.from_public_bytes(header.ephemeral))
    except ValueError as error:
        raise DomainError(DAMAGED % {"part": 0}, code="damaged") from error
    aead = _aead(shared, header.ephemeral, _raw(secret_key.public_key()))
    counter = 0
    while True:
        frame = read_full(stream, _FRAME.size)
        if len(frame) < _FRAME.size:
            raise DomainError(str(TRUNCATED), code="truncated")
        last, length = _FRAME.unpack(frame)
        if last > 1 or not TAG_SIZE <= length <= header.chunk_size + TAG_SIZE:
            raise DomainError(DAMAGED % {"part": counter + 1}, code="damaged")
        sealed = read_full(stream, length)
        if len(sealed) < length:
            raise DomainError(str(TRUNCATED), code="truncated")
        try:
            plain = aead.decrypt(_nonce(counter, bool(last)), sealed, header.raw)
        except InvalidTag as error:
            raise DomainError(DAMAGED % {"part": counter + 1}, code="damaged") from error
        yield plain
        if last:
            break
        counter += 1
    if stream.read(1):
        raise DomainError(str(TRAILING), code="trailing")
