"""The checked-in ``schema.graphql`` matches the code, and every ``queries/*.graphql`` operation
is valid against it."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate
from graphql import build_schema as parse_sdl

from flowql.schema.build import build_schema
from flowql.schema.export import export_schema
from flowql.settings import Settings
from tests.graphql.conftest import QUERIES_DIR, operation
from tests.shared_files import REPO_ROOT

SCHEMA_FILE = REPO_ROOT / "schema.graphql"


def test_checked_in_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == export_schema(), (
        "schema.graphql is out of date: run `flowql export-schema -o schema.graphql`"
    )


def test_export_does_not_depend_on_settings() -> None:
    limited = build_schema(Settings(graphql_max_depth=1, graphql_max_aliases=0))
    assert limited.as_str() + "\n" == export_schema()


def _query_files() -> list[Path]:
    return sorted(QUERIES_DIR.glob("*.graphql"))


def test_queries_folder_is_not_empty() -> None:
    assert {p.stem for p in _query_files()} >= {"Me", "Flow", "Flows", "CreateFlow", "ImportFlow", "RunFlow"}


@pytest.mark.parametrize("path", _query_files(), ids=lambda p: p.stem)
def test_named_operation_is_valid(path: Path) -> None:
    document = parse(operation(path.stem))  # with the fragments it spreads
    assert validate(parse_sdl(SCHEMA_FILE.read_text()), document) == []
    names = [d.name.value for d in document.definitions if isinstance(d, OperationDefinitionNode) and d.name]
    assert names == [path.stem], "each file holds one operation named like the file"


@pytest.mark.parametrize("path", sorted((QUERIES_DIR / "fragments").glob("*.graphql")), ids=lambda p: p.stem)
def test_every_fragment_is_used(path: Path) -> None:
    assert any(f"...{path.stem}" in p.read_text() for p in _query_files()), f"{path.stem} is spread nowhere"
