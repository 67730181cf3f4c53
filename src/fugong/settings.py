"""Typed settings: defaults, then an optional ``fugong.toml``, then ``FUGONG_*`` environment variables.

Secrets are :class:`pydantic.SecretStr`, which never prints its value. Keys that are not set are made
once and kept under ``data_dir/keys/`` (mode 0600), so the embedded demo needs no set-up while a
production install sets them from its secret store.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

KEY_NAMES = ("session", "pseudonym", "field_encryption")


def _config_file() -> Path:
    return Path(os.environ.get("FUGONG_CONFIG", "fugong.toml"))


class Settings(BaseSettings):
    """Everything Fugong reads from its environment, read once."""

    model_config = SettingsConfigDict(env_prefix="FUGONG_", extra="forbid", frozen=True)

    data_dir: Path = Field(Path("var"), description="Root of the embedded install (store, lake, keys).")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the operational store; default: SQLite under data_dir."
    )
    lake_dir: Path | None = Field(None, description="Parquet lake and its DuckDB file; default data_dir/lake.")
    province: str = Field(
        "zhejiang", description="Province data set: a name shipped in fugong.geo or a folder with the same layout."
    )
    reference_date: date = Field(
        date(2020, 2, 1), description="Date on which the province's divisions are taken as current."
    )
    secret_key: SecretStr | None = Field(None, description="Signs browser sessions and CSRF tokens.")
    pseudonym_key: SecretStr | None = Field(None, description="HMAC key that turns ID numbers into pseudonyms.")
    field_encryption_key: SecretStr | None = Field(
        None, description="Key (urlsafe base64, 32 bytes) that encrypts personal fields in the store."
    )
    hub_max_upload_bytes: int | None = Field(
        None, ge=1, description="Largest file the hub accepts, in bytes; default 1 GiB. Larger ones are refused unread."
    )
    frontend_dir: Path | None = Field(
        None, description="npm packages (node_modules) served at /static/vendor; default: beside the source tree."
    )
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the web server listens on.")
    log_format: Literal["text", "json"] = Field("text", description="Log lines as text or as JSON objects.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Lowest level logged.")
    default_locale: Literal["zh_CN", "en"] = Field("zh_CN", description="Language of pages before a user chooses.")
    login_max_attempts: int = Field(5, ge=1, description="Failed logins allowed per user and address in a window.")
    login_window_seconds: int = Field(300, ge=1, description="Length of the login rate-limit window.")
    session_max_age_seconds: int = Field(8 * 3600, ge=60, description="How long a browser session lasts.")
    # survey
    survey_org_units: Path | None = Field(
        None, description="CSV file of townships and villages for the forms; default: the lake's org_units dataset."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @property
    def store_url(self) -> str:
        """The operational store's URL, defaulting to a SQLite file under ``data_dir``."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'fugong.db').as_posix()}"

    @property
    def lake_path(self) -> Path:
        """Folder of the Parquet lake."""
        return self.lake_dir or self.data_dir / "lake"

    def key(self, name: str) -> bytes:
        """The named secret key: from settings if set, otherwise made once under ``data_dir/keys``."""
        if name not in KEY_NAMES:
            raise ValueError(f"unknown key {name!r}; known keys: {', '.join(KEY_NAMES)}")
        configured: SecretStr | None = getattr(self, "secret_key" if name == "session" else f"{name}_key")
        if configured is not None:
            return configured.get_secret_value().encode()
        path = self.data_dir / "keys" / name
        if not path.exists():
            _make_key(path)
        return path.read_text().strip().encode()


def _make_key(path: Path) -> None:
    """Write a new random key to ``path`` unless another process or thread got there first.

    The key is written whole to a private temporary file and then linked into place, so a reader never sees a
    half-written key, and of several first requests at once exactly one key wins; the others use it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
        with contextlib.suppress(FileExistsError):  # another one won: its key is the key
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return Settings()
