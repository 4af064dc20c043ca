"""The data components' limits (``DataAccess``): Read File caps the text it reads and reads a
PDF in a child process bounded in pages and time; Split Text caps its chunks; Batch Run counts
each row against the run's step limit; Save to File reports the name it stored."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import pytest

from flowql.engine import EngineServices, RunRequest, run_flow
from flowql.engine.components.split_text import SplitTooLarge, merge_pieces
from flowql.engine.models.chat import ModelReply
from flowql.engine.types import DataAccess, ModelDefaults, StoredFile
from flowql.errors import ComponentError
from tests.pdf_maker import make_pdf
from tests.unit._engine_helpers import EventLog, RecordingStore, chat_out, edge, node
from tests.unit.test_components_data import VALUE, FakeFiles, custom_types  # noqa: F401 - Value type


def _services(files: FakeFiles, data: DataAccess) -> tuple[EngineServices, RecordingStore, EventLog]:
    store, log = RecordingStore(), EventLog()
    return EngineServices(messages=store, emit=log, files=files, data=data), store, log


def _file_flow(path: Any) -> dict[str, Any]:
    return {
        "nodes": [
            node("File-1", "File", {"path": path, "separator": "\n\n"}, ["message"], "Read File"),
            chat_out("ChatOutput-1"),
        ],
        "edges": [edge("File-1", "message", "ChatOutput-1", "input_value")],
    }


def pdf_bomb(repeats: int) -> bytes:
    """A one-page PDF whose few compressed KB hold ``repeats`` text-showing operators."""
    content = b"BT /F1 12 Tf 72 720 Td " + b"(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj " * repeats + b"ET"
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for index, body in enumerate(objects):
        offsets.append(len(out))
        out += f"{index + 1} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


async def test_a_pdf_over_its_time_budget_fails_the_vertex() -> None:
    files = FakeFiles({"bomb": StoredFile("bomb.pdf", pdf_bomb(400_000))})
    svc, _store, log = _services(files, DataAccess(pdf_timeout_seconds=0.5))
    with pytest.raises(ComponentError) as caught:
        await run_flow(_file_flow("bomb"), RunRequest(flow_id="f", session_id="s"), svc)
    assert caught.value.failure.component_id == "File-1"
    assert caught.value.failure.error_type == "UnreadableFile"
    assert "took longer than 0.5 seconds" in caught.value.message
    assert log.names[-2:] == ["error", "end"]


async def test_a_pdf_over_its_page_or_text_limit_fails_the_vertex() -> None:
    files = FakeFiles({"three": StoredFile("three.pdf", make_pdf([["one"], ["two"], ["three"]]))})
    svc, _store, _log = _services(files, DataAccess(pdf_max_pages=2))
    with pytest.raises(ComponentError) as caught:
        await run_flow(_file_flow("three"), RunRequest(flow_id="f", session_id="s"), svc)
    assert "the PDF has 3 pages; at most 2 are read" in caught.value.message
    svc, _store, _log = _services(files, DataAccess(file_max_chars=8))
    with pytest.raises(ComponentError) as caught:
        await run_flow(_file_flow("three"), RunRequest(flow_id="f", session_id="s"), svc)
    assert "longer than 8 characters" in caught.value.message
    svc, _store, _log = _services(files, DataAccess())
    outcome = await run_flow(_file_flow("three"), RunRequest(flow_id="f", session_id="s"), svc)
    assert [o.text for o in outcome.outputs] == ["one\n\ntwo\n\nthree"]


async def test_read_file_caps_the_text_it_reads() -> None:
    files = FakeFiles({"a": StoredFile("a.txt", b"x" * 60), "b": StoredFile("b.txt", b"y" * 60)})
    svc, store, _log = _services(files, DataAccess(file_max_chars=100))
    with pytest.raises(ComponentError) as caught:
        await run_flow(_file_flow(["a", "b"]), RunRequest(flow_id="f", session_id="s"), svc)
    assert caught.value.failure.error_type == "FileTooLarge"
    assert "(File-1)" in caught.value.message and "longer than 100 characters" in caught.value.message
    assert store.messages == []
    big = FakeFiles({"big": StoredFile("big.txt", b"z" * 1000)})
    svc, _store, _log = _services(big, DataAccess(file_max_chars=100))
    with pytest.raises(ComponentError) as caught:
        await run_flow(_file_flow("big"), RunRequest(flow_id="f", session_id="s"), svc)
    assert caught.value.failure.error_type == "FileTooLarge"


def _split_flow(chunk_size: int, overlap: int) -> dict[str, Any]:
    return {
        "nodes": [
            node("Value-1", "Value", {}, ["value"], "Value"),
            node(
                "Split-1",
                "SplitText",
                {"data_inputs": "", "chunk_size": chunk_size, "chunk_overlap": overlap, "separator": ""},
                ["dataframe"],
                "Split Text",
            ),
            chat_out("ChatOutput-1"),
        ],
        "edges": [
            edge("Value-1", "value", "Split-1", "data_inputs"),
            edge("Split-1", "dataframe", "ChatOutput-1", "input_value"),
        ],
    }


async def test_split_text_overlap_amplification_is_refused() -> None:
    """10 kB split per character, chunks of 2000 overlapping by 1999: ~8000 chunks of 2000
    characters (16 M) is over the default 10 M characters."""
    VALUE["v"] = "abcdefghij" * 1000
    svc, _store, _log = _services(FakeFiles({}), DataAccess())
    with pytest.raises(ComponentError) as caught:
        await run_flow(_split_flow(2000, 1999), RunRequest(flow_id="f", session_id="s"), svc)
    assert caught.value.failure.component_id == "Split-1"
    assert caught.value.failure.error_type == "SplitTooLarge"
    assert "10000000 characters" in caught.value.message


async def test_split_text_chunk_cap() -> None:
    VALUE["v"] = "abcdefghij" * 10
    svc, _store, _log = _services(FakeFiles({}), DataAccess(split_max_chunks=9))
    with pytest.raises(ComponentError) as caught:
        await run_flow(_split_flow(10, 0), RunRequest(flow_id="f", session_id="s"), svc)
    assert caught.value.failure.error_type == "SplitTooLarge"
    svc, _store, _log = _services(FakeFiles({}), DataAccess(split_max_chunks=10))
    outcome = await run_flow(_split_flow(10, 0), RunRequest(flow_id="f", session_id="s"), svc)
    assert outcome.outputs[0].text is not None and outcome.outputs[0].text.count("abcdefghij") == 10


def test_merge_pieces_overlap_is_linear_and_matches_the_splitter() -> None:
    pieces = list("abcdef")
    assert merge_pieces(pieces, "", 3, 2) == ["abc", "bcd", "cde", "def"]
    with pytest.raises(SplitTooLarge):
        merge_pieces(pieces, "", 3, 2, max_chunks=3)
    with pytest.raises(SplitTooLarge):
        merge_pieces(pieces, "", 3, 2, max_chars=11)


class CountingModel:
    """A chat model that counts its calls and answers ``ok``."""

    calls = 0

    async def complete(self, messages: list[dict[str, Any]], **_kwargs: Any) -> ModelReply:
        CountingModel.calls += 1
        return ModelReply("ok")


async def test_batch_run_rows_count_against_the_step_limit() -> None:
    """Value, Batch Run: 2 steps, then one per row; a limit of 60 allows 58 rows."""
    VALUE["v"] = [{"text": f"row {n}"} for n in range(300)]
    CountingModel.calls = 0
    store, log = RecordingStore(), EventLog()
    svc = EngineServices(messages=store, emit=log, max_steps=60)
    svc.model_defaults = ModelDefaults(api_key="k")
    svc.chat_models = lambda spec: CountingModel()  # type: ignore[assignment,return-value]
    flow = {
        "nodes": [
            node("Value-1", "Value", {}, ["value"], "Value"),
            node(
                "Batch-1",
                "BatchRunComponent",
                {"df": "", "model": "", "column_name": "text", "system_message": ""},
                ["batch_results"],
                "Batch Run",
            ),
            chat_out("ChatOutput-1"),
        ],
        "edges": [
            edge("Value-1", "value", "Batch-1", "df"),
            edge("Batch-1", "batch_results", "ChatOutput-1", "input_value"),
        ],
    }
    with pytest.raises(ComponentError) as caught:
        await run_flow(flow, RunRequest(flow_id="f", session_id="s"), svc)
    assert caught.value.failure.component_id == "Batch-1"
    assert caught.value.failure.error_type == "StepLimit"
    assert CountingModel.calls == 58
    assert log.names[-2:] == ["error", "end"]


class StoreNaming(FakeFiles):
    """A file store that keeps only the base name, as the user file store does."""

    async def save(
        self, name: str, data: bytes, *, append: bool = False, merge: Callable[[bytes], bytes] | None = None
    ) -> str:
        self.saved.append((name, data, append))
        return name.replace(chr(92), "/").rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("file_name", "stored"),
    [("../../../../tmp/rev7/pwned", "pwned.txt"), ("/etc/passwd", "passwd.txt"), ("notes", "notes.txt")],
)
async def test_save_to_file_reports_the_name_it_stored(file_name: str, stored: str) -> None:
    VALUE["v"] = "content"
    files = StoreNaming({})
    svc, _store, _log = _services(files, DataAccess())
    flow = {
        "nodes": [
            node("Value-1", "Value", {}, ["value"], "Value"),
            node(
                "Save-1",
                "SaveToFile",
                {"input": "", "file_name": file_name, "local_format": "txt"},
                ["message"],
            ),
            chat_out("ChatOutput-1"),
        ],
        "edges": [
            edge("Value-1", "value", "Save-1", "input"),
            edge("Save-1", "message", "ChatOutput-1", "input_value"),
        ],
    }
    outcome = await run_flow(flow, RunRequest(flow_id="f", session_id="s"), svc)
    assert [o.text for o in outcome.outputs] == [f"Message saved successfully as '{stored}'"]
