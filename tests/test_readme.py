"""The README's commands and settings table stay in step with CI and the code."""

from __future__ import annotations

import re
from pathlib import Path

from flowql.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def bash_blocks(text: str) -> list[str]:
    """The bodies of the ```bash fenced blocks, in order."""
    return [m.group(1).strip() for m in re.finditer(r"```bash\n(.*?)```", text, re.DOTALL)]


def test_readme_opens_with_the_install_serve_and_test_commands() -> None:
    serve, test = bash_blocks(README)[:2]
    assert serve == "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/flowql serve"
    assert test == "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest -q"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    script = REPO_ROOT / ".ci" / "run"
    lines = [line.strip() for line in script.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[0].startswith("#!") and "bash" in lines[0]
    assert "set -euo pipefail" in lines
    assert lines[-1] == bash_blocks(README)[1]
    assert script.stat().st_mode & 0o111, ".ci/run must be executable"


def test_settings_table_lists_every_setting() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| `FLOWQL_")]
    table = {m.group(1) for row in rows for m in re.finditer(r"`(FLOWQL_[A-Z_]+)`", row.split("|")[1])}
    expected = {f"FLOWQL_{name.upper()}" for name in Settings.model_fields}
    assert expected - table == set(), "settings missing from the README table"
    assert table - expected == set(), "README names settings that do not exist"
