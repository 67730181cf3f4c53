"""Settings: environment over file over default; secrets never shown; keys made once and kept private."""

from __future__ import annotations

import logging
import stat
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from fugong.settings import Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("FUGONG_DATA_DIR", "FUGONG_PORT", "FUGONG_LOG_FORMAT", "FUGONG_SECRET_KEY", "FUGONG_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "fugong.toml"
    monkeypatch.setenv("FUGONG_CONFIG", str(config))
    return config


def test_defaults_give_an_embedded_install(clean_env: Path) -> None:
    s = Settings()
    assert s.data_dir == Path("var")
    assert s.store_url == "sqlite:///var/fugong.db"
    assert s.lake_path == Path("var/lake")
    assert s.port == 8000
    assert s.reference_date == date(2020, 2, 1)


def test_file_overrides_default_and_environment_overrides_file(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_env.write_text('port = 9000\nlog_format = "json"\ndata_dir = "/srv/fugong"\n', encoding="utf-8")
    s = Settings()
    assert (s.port, s.log_format, s.data_dir) == (9000, "json", Path("/srv/fugong"))
    monkeypatch.setenv("FUGONG_PORT", "9100")
    s = Settings()
    assert s.port == 9100  # environment wins
    assert s.log_format == "json"  # file still applies where the environment is silent


def test_database_url_from_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUGONG_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/fugong")
    assert Settings().store_url == "postgresql+psycopg://postgres@127.0.0.1/fugong"


@pytest.mark.parametrize(
    ("content", "problem"),
    [("port = 70000\n", "port"), ('log_format = "xml"\n', "log_format"), ("colour = 3\n", "colour")],
)
def test_bad_settings_file_names_the_setting(clean_env: Path, content: str, problem: str) -> None:
    clean_env.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=problem):
        Settings()


def test_bad_environment_value_names_the_setting(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUGONG_PORT", "eighty")
    with pytest.raises(ValidationError, match="port"):
        Settings()


def test_secrets_never_appear_in_repr_str_or_logs(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FUGONG_SECRET_KEY", "hunter2-very-secret")
    monkeypatch.setenv("FUGONG_PSEUDONYM_KEY", "pseudo-secret-value")
    s = Settings()
    with caplog.at_level(logging.INFO):
        logging.getLogger("fugong.test").info("settings: %s %r", s, s)
    for text in (repr(s), str(s), caplog.text, s.model_dump_json()):
        assert "hunter2-very-secret" not in text
        assert "pseudo-secret-value" not in text
    assert s.key("session") == b"hunter2-very-secret"


def test_unset_keys_are_made_once_and_private(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / "var"))
    first = Settings().key("pseudonym")
    assert len(first) >= 32
    assert Settings().key("pseudonym") == first
    path = tmp_path / "var" / "keys" / "pseudonym"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings().key("session") != first


def test_many_first_uses_at_once_agree_on_one_key(clean_env: Path, tmp_path: Path) -> None:
    """A fresh install's first requests arrive together: none fails, and all of them get the same key."""
    from concurrent.futures import ThreadPoolExecutor

    settings = Settings(data_dir=tmp_path / "var")
    with ThreadPoolExecutor(max_workers=16) as pool:
        keys = list(pool.map(lambda _: settings.key("pseudonym"), range(64)))
    assert len(set(keys)) == 1
    assert len(keys[0]) >= 32
    assert [p.name for p in (tmp_path / "var" / "keys").iterdir()] == ["pseudonym"]  # no temporary file left


def test_unknown_key_name_is_refused(clean_env: Path) -> None:
    with pytest.raises(ValueError, match="unknown key"):
        Settings().key("master")
