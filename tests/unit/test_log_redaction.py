"""Redaction of log records (:mod:`flowql.logs.redact`), the ring buffer's bounds
(:mod:`flowql.logs.buffer`) and the logging set-up (:mod:`flowql.logs.setup`): which secrets are
masked, that redaction does linear work, that control characters are escaped, that a record is
redacted once, and that the buffer keeps to its byte budget without drifting ahead of the clock."""

from __future__ import annotations

import contextvars
import logging
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from flowql.logs import LogBuffer, log_buffer, redactor
from flowql.logs.redact import MAX_TEXT_CHARS, MIN_SECRET_LENGTH, PATTERNS, WITHHELD, Redactor
from flowql.logs.run_secrets import MAX_RUN_SECRETS, current_run_secrets, start_run_secrets
from flowql.rest_compat.logs import _lines

# --- linear work (finding 2) ---------------------------------------------------------------

#: Seeds that made a backtracking pattern quadratic (each repeated to a 256 KB line).
ADVERSARIAL = [
    "eyJ",
    "eyJa.",
    "a.",
    "a-",
    "sk-",
    "AIza",
    "ghp_",
    "password",
    "password ",
    'password="',
    "password='x ",
    '"password": "\\"',
    "token:\t",
    "bearer ",
    "Bearer\t",
    "x://",
    "a://:",
    "a://b:",
    "?key=",
    "&",
    "%",
    "x-langflow-global-var-",
]


@pytest.mark.parametrize("seed", ADVERSARIAL)
def test_every_pattern_does_linear_work_on_an_adversarial_line(seed: str) -> None:
    """A 256 KB line is four times the longest text redacted; a backtracking pattern needs
    billions of steps on it (minutes), a linear one a few hundred thousand. The ``regex``
    timeout is the work bound: a generous deadline, exceeded only by superlinear work."""
    line = (seed * (256 * 1024 // len(seed) + 1))[: 256 * 1024]
    for pattern, replacement in PATTERNS:
        pattern.sub(replacement, line, timeout=10.0)  # raises TimeoutError past the bound


def test_a_long_text_is_cut_before_redaction_without_cutting_a_secret() -> None:
    secret = f"configured-secret-{uuid.uuid4().hex}"
    r = Redactor([secret])
    text = "x " * (MAX_TEXT_CHARS // 2 - 10) + secret + " tail"
    out = r.text(text)
    assert secret[:12] not in out  # the secret straddling the cut is dropped, not halved
    assert out.endswith("characters cut]")
    assert len(out) <= MAX_TEXT_CHARS + 40
    assert r.text("eyJ" * 30_000).endswith("characters cut]")


def test_a_text_past_the_work_bound_is_withheld_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("flowql.logs.redact.REDACT_TIMEOUT_SECONDS", 1e-9)
    assert Redactor().text("password " * 2_000) == WITHHELD


# --- what is masked (finding 5) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("new_password=hunter2xyz", "new_password=***"),
        ("currentPassword: s3cr3tval next", "currentPassword: *** next"),
        ("OPENAI_API_KEY=abcdefgh123", "OPENAI_API_KEY=***"),
        ("X-LANGFLOW-GLOBAL-VAR-OPENAI_API_KEY: v4lue99", "X-LANGFLOW-GLOBAL-VAR-OPENAI_API_KEY: ***"),
        ("x-langflow-global-var-service_host: internal.example", "x-langflow-global-var-service_host: ***"),
        ('{"password": "correct horse battery staple", "user": "bob"}', '{"password": "***", "user": "bob"}'),
        ("{'authorization': 'Basic abc def'}", "{'authorization': '***'}"),
        ("Authorization: Basic dXNlcjpwYXNz more", "Authorization: Basic *** more"),
        ("authorization: Token abc123def", "authorization: Token ***"),
        ("Authorization: Bearer xyz.abc", "Authorization: Bearer ***"),
        ("password=***realsecret", "password=***"),
        ("GET /x?pass%77ord=hunter2xyz&x=1", "GET /x?pass%77ord=***&x=1"),
        (
            'query=mutation{login(username:"a",password:"hunter2xyz")}',
            'query=mutation{login(username:"a",password:"***")}',
        ),
        ("redis://:pw123456@host:6379/0", "redis://:***@host:6379/0"),
        ("postgresql://app:pw123456@db/x", "postgresql://app:***@db/x"),
        (
            "fetch https://h.example/v1?key=LEAKURL3gv&access_key=AKX&token=t0k&signature=abc"
            "&X-Amz-Signature=deadbeef&sig=1&page=2",
            "fetch https://h.example/v1?key=***&access_key=***&token=***&signature=***"
            "&X-Amz-Signature=***&sig=***&page=2",
        ),
        ("max_tokens=5 tokens: 3 keyboard=qwerty", "max_tokens=5 tokens: 3 keyboard=qwerty"),
        # second review (N5): session ids, path parameters, encoded fragments and userinfo,
        # double-encoded names, camelCase names
        ("GET /x?session=S3ss10nV4lue&a=1", "GET /x?session=***&a=1"),
        ("https://h.example/p;jsessionid=J5ESS10N", "https://h.example/p;jsessionid=***"),
        ("see https://h.example/#access_token=FR4GT0K&x=1", "see https://h.example/#access_token=***&x=1"),
        (
            "?next=https%3A%2F%2Fh%2Fcb%23access_token%3DENCFR4G%26x%3D1",
            "?next=https%3A%2F%2Fh%2Fcb%23access_token%3D***%26x%3D1",
        ),
        ("?pass%2577ord=D0UBLEENC&b=2", "?pass%2577ord=***&b=2"),
        ("?next=https%3A%2F%2FUS3RT0KEN%40host%2Fp", "?next=https%3A%2F%2F***%40host%2Fp"),
        ("https://US3RT0KEN@host.example/x", "https://***@host.example/x"),
        (
            "clientSecret=CL1ENT privateKey: PR1V session_id=kept",
            "clientSecret=*** privateKey: *** session_id=kept",
        ),
    ],
)
def test_secrets_are_masked(text: str, expected: str) -> None:
    assert Redactor().text(text) == expected


@pytest.mark.parametrize(
    ("key", "prefix"),
    [
        ("AIzaSyA-abcdefghijklmnopqrstuvwxyz12345", "AIza"),
        ("gsk_abcdefghijklmnopqrstuvWXYZ0123", "gsk_"),
        ("sk_live_abcdefghijklmnopqrstuv", "sk_live_"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijkl", "github_pat_"),
        ("hf_abcdefghijklmnopqrstuvwxyzABCD", "hf_"),
        ("xoxb-123456789012-abcdefghijkl", "xoxb-"),
        ("sk-proj-abcdefghijklmnopqrstuvwxyz", "sk-"),
    ],
)
def test_provider_key_shapes_are_masked(key: str, prefix: str) -> None:
    assert Redactor().text(f"used {key} here") == f"used {prefix}*** here"


def test_event_keys_ending_in_a_secret_name_are_masked_whole() -> None:
    event = {
        "new_password": "x1",
        "currentPassword": "y1",
        "OPENAI_API_KEY": "z1",
        "x_api_key": "k1",
        "max_tokens": 5,
        "tokens": 3,
        "credentials": "bearer",
        "empty_password": "",
    }
    assert Redactor().mapping(event) == {
        "new_password": "***",
        "currentPassword": "***",
        "OPENAI_API_KEY": "***",
        "x_api_key": "***",
        "max_tokens": 5,
        "tokens": 3,
        "credentials": "bearer",
        "empty_password": "",
    }


def test_configured_secrets_are_masked_also_percent_encoded_and_short_ones_are_not() -> None:
    assert MIN_SECRET_LENGTH >= 8
    r = Redactor(["ollama", "p@ss word/1!"])
    assert r.text("OPENAI_API_KEY set to the ollama placeholder") == (
        "OPENAI_API_KEY set to the ollama placeholder"
    )
    assert r.text("a p@ss word/1! b p%40ss%20word%2F1%21 c p%40ss+word%2F1%21") == "a *** b *** c ***"


def test_run_secrets_are_bounded_per_run_and_mask_only_their_own_context() -> None:
    r = Redactor(["configured-one"])
    outside = "configured-one run-value-0 run%2Dvalue-0"
    seen: dict[str, str] = {}
    before = current_run_secrets()  # whatever this context had (another test may have run a flow)

    def in_run() -> None:
        secrets = start_run_secrets()
        secrets.add("p@ss word/1!")
        for i in range(MAX_RUN_SECRETS + 5):
            secrets.add(f"run-value-{i}")
        secrets.add("short")
        assert len(secrets) == MAX_RUN_SECRETS and "run-value-0" in secrets  # the oldest kept
        assert f"run-value-{MAX_RUN_SECRETS}" not in secrets and "short" not in secrets
        seen["run"] = r.text(f"configured-one run-value-0 run-value-{MAX_RUN_SECRETS - 2} a%2Fb")
        seen["encoded"] = r.text("x p%40ss%20word%2F1%21 y p%40ss+word%2F1%21")

    contextvars.copy_context().run(in_run)
    assert seen == {"run": "*** *** *** a%2Fb", "encoded": "x *** y ***"}
    assert current_run_secrets() is before
    assert r.text(outside) == "*** run-value-0 run%2Dvalue-0"
    assert r.secret_count == 1


# --- control characters (finding 3) --------------------------------------------------------


def test_control_characters_are_escaped() -> None:
    r = Redactor()
    assert (
        r.text("a\nforged\r\x1b[31mred\x9b\u2028end\x00") == "a\\nforged\\r\\x1b[31mred\\x9b\\u2028end\\x00"
    )
    assert r.text("Traceback\n  line\x1b[0m", multiline=True) == "Traceback\n  line\\x1b[0m"


def test_every_logged_field_is_escaped_and_uvicorn_colour_copies_dropped(app: FastAPI) -> None:
    """(``app``: creating the app installs the logging.)"""
    marker = f"ctl-{uuid.uuid4().hex}"
    logging.getLogger("flowql.test").warning(
        "%s\nforged line\x1b[31m", marker, extra={"who": "a\nb", "color_message": "\x1b[1m%s\x1b[0m"}
    )
    entry = next(e for e in reversed(log_buffer().entries()) if marker in e.line)
    assert entry.line.endswith(f"WARNING flowql.test: {marker}\\nforged line\\x1b[31m who=a\\nb")
    assert "\n" not in entry.line and "\x1b" not in entry.line
    assert "color_message" not in entry.fields and entry.fields == {"who": "a\\nb"}


# --- once per record (finding 2) and uvicorn's duplicate access log (finding 8) ------------


def test_a_record_is_redacted_once(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = f"once-{uuid.uuid4().hex}"
    calls: list[str] = []
    original = redactor().text

    def counting(value: str, **kwargs: Any) -> str:
        if marker in value:
            calls.append(value)
        return original(value, **kwargs)

    monkeypatch.setattr(redactor(), "text", counting)
    logging.getLogger("flowql.test").warning("%s password=%s", marker, "hunter2xyz")
    assert len(calls) == 1
    assert log_buffer().entries()[-1].line.endswith(f"{marker} password=***")


def test_uvicorn_access_records_are_not_logged(app: FastAPI) -> None:
    marker = f"uvicorn-{uuid.uuid4().hex}"
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /%s HTTP/1.1" 200', marker)
    logging.getLogger("uvicorn.error").info("%s still logged", marker)
    lines = [e.line for e in log_buffer().entries() if marker in e.line]
    assert len(lines) == 1 and lines[0].endswith(f"INFO uvicorn.error: {marker} still logged")


# --- buffer bounds (findings 4 and 7) -------------------------------------------------------


def _append(buffer: LogBuffer, i: int, *, time_ms: int, size: int = 10) -> None:
    buffer.append(time_ms=time_ms, level="info", logger="t", message=f"m{i}", line="x" * size, fields={})


def test_the_buffer_keeps_to_its_character_budget() -> None:
    buffer = LogBuffer(size=1000, max_chars=20_000)
    for i in range(100):
        _append(buffer, i, time_ms=1_000 + i, size=1_000)
    entries = buffer.entries()
    assert buffer.chars <= 20_000
    assert 10 <= len(entries) < 20
    assert entries[-1].message == "m99"  # the newest kept, the oldest dropped
    assert [e.message for e in entries] == [f"m{i}" for i in range(100 - len(entries), 100)]
    _append(buffer, 100, time_ms=2_000, size=50_000)  # one record over the budget is still kept
    assert [e.message for e in buffer.entries()] == ["m100"]


def test_timestamps_never_run_ahead_of_the_clock_under_a_burst() -> None:
    buffer = LogBuffer(size=10_000)
    for i in range(5_000):
        _append(buffer, i, time_ms=1_000_000)
    _append(buffer, 5_000, time_ms=999_999)  # a record made a moment earlier on another thread
    stamps = [e.timestamp for e in buffer.entries()]
    assert set(stamps) == {1_000_000}
    assert len({e.seq for e in buffer.entries()}) == 5_001
    answer = _lines(buffer.entries())  # one key, every line kept
    assert list(answer) == ["1000000"]
    assert answer["1000000"].count("\n") == 5_000


def test_serve_turns_uvicorn_access_log_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, template_db: Path
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from flowql import cli

    async def no_refusal(_settings: object) -> None:
        return None

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(cli, "_serving_refusal", no_refusal)
    monkeypatch.setattr(uvicorn, "run", lambda _app, **kwargs: calls.append(kwargs))
    shutil.copy(template_db, tmp_path / "flowql.db")
    monkeypatch.setenv("FLOWQL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FLOWQL_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'flowql.db'}")
    result = CliRunner().invoke(cli.app, ["serve", "--port", "18999"])
    assert result.exit_code == 0, result.output
    assert [(c["port"], c["log_config"], c["access_log"]) for c in calls] == [(18999, None, False)]
