"""The secret key file, encryption at rest, and the log redaction filter."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from companion.crypto import SecretBox, StartupError, load_or_create_key, prepare_data_dir
from companion.logs import RedactingFilter, redact_text


def test_key_generated_once_with_mode_0600(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path, None)
    path = tmp_path / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(tmp_path, None) == key
    Fernet(key)


def test_configured_key_wins(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    assert load_or_create_key(tmp_path, key) == key.encode()
    assert not (tmp_path / "secret.key").exists()


def test_corrupt_key_file_stops_startup_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.write_bytes(b"garbage")
    with pytest.raises(StartupError, match="corrupt"):
        load_or_create_key(tmp_path, None)
    assert path.read_bytes() == b"garbage"


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StartupError, match="COMPANION_DATA_DIR"):
        prepare_data_dir(blocker / "sub")


def test_secret_box_round_trip_and_wrong_key() -> None:
    box = SecretBox(Fernet.generate_key())
    token = box.encrypt_json({"api_key": "abc"})
    assert "abc" not in token
    assert box.decrypt_json(token) == {"api_key": "abc"}
    with pytest.raises(ValueError):
        SecretBox(Fernet.generate_key()).decrypt(token)
    assert box.verify("m", box.sign("m")) and not box.verify("m", box.sign("n"))


@pytest.mark.parametrize(
    "text",
    [
        "calling http://jf/Items?api_key=0123456789abcdef",
        'body {"password": "hunter2"}',
        "Authorization: Bearer abc.def.ghi",
        "postgres://user:s3cret@db/x",
        "Token=deadbeef",
    ],
)
def test_redaction(text: str) -> None:
    redacted = redact_text(text)
    for secret in ("0123456789abcdef", "hunter2", "abc.def.ghi", "s3cret", "deadbeef"):
        assert secret not in redacted


def test_filter_rewrites_records() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key is api_key=%s", ("zzz",), None)
    RedactingFilter().filter(record)
    assert "zzz" not in record.getMessage()
