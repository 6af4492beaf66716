"""Encryption of secrets at rest (Fernet) and hashing of tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from companion import const


class StartupError(RuntimeError):
    """The service cannot start; the message is one clear line for the operator."""


class SecretBox:
    """Encrypts and decrypts small secrets with the install's Fernet key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        # A separate key for HMACs, derived so one Fernet key serves both jobs.
        self._mac_key = hashlib.sha256(b"companion-mac:" + key).digest()

    def encrypt(self, plaintext: str) -> str:
        """Encrypt a string into a Fernet token."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt a Fernet token; raises ValueError when it was made with another key."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as err:
            raise ValueError("secret cannot be decrypted with this install's key") from err

    def encrypt_json(self, value: dict[str, Any]) -> str:
        """Encrypt a JSON-serialisable mapping."""
        return self.encrypt(json.dumps(value, separators=(",", ":")))

    def decrypt_json(self, token: str) -> dict[str, Any]:
        """Decrypt a mapping made by encrypt_json."""
        value = json.loads(self.decrypt(token))
        if not isinstance(value, dict):
            raise ValueError("decrypted secret is not a mapping")
        return value

    def sign(self, message: str) -> str:
        """Return an HMAC-SHA256 hex signature of message."""
        return hmac.new(self._mac_key, message.encode(), hashlib.sha256).hexdigest()

    def verify(self, message: str, signature: str) -> bool:
        """Check a signature made by sign, in constant time."""
        # compare_digest refuses non-ASCII str; a forged signature may hold anything.
        given = signature.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(self.sign(message).encode(), given)


def hash_token(token: str) -> str:
    """Hash a high-entropy token for storage (SHA-256 is enough: tokens are random)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(nbytes: int = 32) -> str:
    """Return a new URL-safe random token."""
    return secrets.token_urlsafe(nbytes)


def load_or_create_key(data_dir: Path, configured: str | None) -> bytes:
    """Return the Fernet key: the configured one, or the data dir's file, created once (0600)."""
    if configured:
        return configured.encode()
    path = data_dir / const.SECRET_KEY_FILENAME
    if path.exists():
        try:
            raw = path.read_bytes().strip()
            Fernet(raw)
        except (OSError, ValueError) as err:
            # Never regenerate: secrets encrypted with the old key would be lost for good.
            raise StartupError(
                f"The secret key file {path} is unreadable or corrupt ({type(err).__name__}); "
                "restore it from a backup or set COMPANION_SECRET_KEY. It was left untouched."
            ) from None
        return raw
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process created it between our check and now: use theirs.
        return load_or_create_key(data_dir, None)
    except OSError as err:
        raise StartupError(f"Cannot write the secret key file {path}: {err.strerror}") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory if needed and check that it is writable."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StartupError(
            f"COMPANION_DATA_DIR: cannot create {data_dir}: {err.strerror}"
        ) from None
    if not data_dir.is_dir():
        raise StartupError(f"COMPANION_DATA_DIR: {data_dir} is not a directory")
    probe = data_dir / f".write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        # In a container the usual cause is a bind mount owned by someone else: name the ids.
        raise StartupError(
            f"COMPANION_DATA_DIR: {data_dir} is not writable ({err.strerror}); the companion "
            f"runs as uid {os.getuid()}, gid {os.getgid()}: chown the directory to them, "
            "or run the container as the directory's owner (PUID/PGID in compose.yaml)"
        ) from None
