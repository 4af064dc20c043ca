"""Locate the shared reference files (``FLOWQL_SHARED_DIR``, default ``../shared``).

Tests that need them call :func:`require_shared`; it skips with a clear reason when the folder is
absent, except under CI (env ``CI`` set), where it fails instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The shared folder: ``$FLOWQL_SHARED_DIR`` or ``<repo>/../shared``."""
    return Path(os.environ.get("FLOWQL_SHARED_DIR", REPO_ROOT.parent / "shared"))


def find_shared_dir() -> Path | None:
    """The shared folder when it holds ``flows/``, else ``None`` (for parametrizing at collection)."""
    path = shared_dir()
    return path if (path / "flows").is_dir() else None


def shared_available(*parts: str) -> bool:
    """True when ``shared/<parts>`` exists."""
    return shared_dir().joinpath(*parts).exists()


def require_shared(*parts: str) -> Path:
    """``shared/<parts>``; skip (fail under CI) when missing."""
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        reason = f"shared reference file {path} not found (set FLOWQL_SHARED_DIR to the shared/ folder)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def load_json(*parts: str) -> Any:
    """Parse the JSON file ``shared/<parts>`` (skip / fail as :func:`require_shared`)."""
    return json.loads(require_shared(*parts).read_text(encoding="utf-8"))
