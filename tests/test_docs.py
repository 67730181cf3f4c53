"""The docs keep up with the code: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

import typer

from fugong.cli import app
from fugong.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


def test_every_setting_is_in_the_configuration_page() -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`{name}`" not in page and f"`{name}," not in page]
    assert missing == []


def _commands(group: typer.Typer, prefix: str) -> list[str]:
    found = [
        f"{prefix} {c.name or (c.callback.__name__.replace('_', '-') if c.callback else '')}"
        for c in group.registered_commands
    ]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        found += _commands(sub.typer_instance, f"{prefix} {sub.name}")
    return found


def test_every_command_is_in_the_docs() -> None:
    text = _all_docs()
    missing = [command for command in _commands(app, "fugong") if command not in text]
    assert missing == []
