"""The Split Text component (Langflow ``SplitTextComponent``, ``data.type`` ``SplitText``).

Splits the text of each input row (``data_inputs``: a Message, Data or DataFrame; its
``text_key`` member, default ``text``) on ``separator`` (escapes such as ``\\n`` understood;
default ``"\\n"``) and merges the pieces into chunks of at most ``chunk_size`` characters
overlapping by up to ``chunk_overlap`` (LangChain's ``CharacterTextSplitter``, which Langflow
uses; a single piece longer than ``chunk_size`` stays whole). ``keep_separator``: ``False``
(default) drops it, ``True`` / ``Start`` keeps it at the start of the following piece, ``End``
at the end of the preceding one. Output ``dataframe``: one row per chunk, ``{text_key: chunk}``
plus the source row's other members. ``clean_output`` keeps only the text. At most
``DataAccess.split_max_chunks`` chunks holding ``split_max_chars`` characters in all are made
(``FLOWQL_SPLIT_MAX_CHUNKS`` / ``FLOWQL_SPLIT_MAX_CHARS``; a large overlap repeats the text in
every chunk): beyond, the vertex fails (ComponentError ``SplitTooLarge``).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.field_checks import check_fields, int_value
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field
from flowql.engine.components.tabular import as_rows, cell_text
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex

_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\r": "\r"}


def unescape(separator: str) -> str:
    """``\\n``, ``\\t`` and ``\\r`` written as two characters become the control characters."""
    for written, char in _ESCAPES.items():
        separator = separator.replace(written, char)
    return separator


def split_pieces(text: str, separator: str, keep: str) -> list[str]:
    """``text`` split on ``separator`` (empty pieces dropped), the separator kept per ``keep``."""
    if not separator:
        return [c for c in text if c]
    parts = text.split(separator)
    if keep in {"True", "Start"}:
        parts = parts[:1] + [separator + p for p in parts[1:]]
    elif keep == "End":
        parts = [p + separator for p in parts[:-1]] + parts[-1:]
    return [p for p in parts if p]


class SplitTooLarge(Exception):
    """Merging would make more chunks or characters than allowed."""


def merge_pieces(
    pieces: list[str],
    separator: str,
    chunk_size: int,
    chunk_overlap: int,
    *,
    max_chunks: int | None = None,
    max_chars: int | None = None,
) -> list[str]:
    """LangChain's ``_merge_splits``: pieces joined by ``separator`` into chunks of at most
    ``chunk_size`` characters, each chunk starting with up to ``chunk_overlap`` characters of
    whole pieces from the previous one. Chunks are stripped; empty ones dropped. Raises
    :class:`SplitTooLarge` as soon as the chunks exceed ``max_chunks`` or, together,
    ``max_chars`` characters. Linear in the number of pieces (plus the output)."""
    sep_len = len(separator)
    chunks: list[str] = []
    current: deque[str] = deque()
    total = 0
    made = 0

    def flush() -> None:
        nonlocal made
        chunk = separator.join(current).strip()
        if not chunk:
            return
        made += len(chunk)
        if (max_chunks is not None and len(chunks) >= max_chunks) or (
            max_chars is not None and made > max_chars
        ):
            raise SplitTooLarge
        chunks.append(chunk)

    for piece in pieces:
        size = len(piece)
        if total + size + (sep_len if current else 0) > chunk_size and current:
            flush()
            while total > chunk_overlap or (
                total + size + (sep_len if current else 0) > chunk_size and total > 0
            ):
                total -= len(current[0]) + (sep_len if len(current) > 1 else 0)
                current.popleft()
        current.append(piece)
        total += size + (sep_len if len(current) > 1 else 0)
    flush()
    return chunks


@registry.register("SplitText")
class SplitText(Component):
    """See the module docstring."""

    display_name = "Split Text"
    description = "Split text into chunks based on specified criteria."
    category = "processing"
    icon = "scissors-line-dashed"
    documentation = "https://docs.langflow.org/components-processing#split-text"
    field_specs = (
        FieldSpec(
            "data_inputs",
            "Input",
            type="other",
            input_type="HandleInput",
            input_types=("Data", "DataFrame", "Message"),
            required=True,
        ),
        FieldSpec("chunk_overlap", "Chunk Overlap", type="int", input_type="IntInput", default=200),
        FieldSpec("chunk_size", "Chunk Size", type="int", input_type="IntInput", default=1000),
        FieldSpec("separator", "Separator", default="\n", input_types=("Message",)),
        FieldSpec("text_key", "Text Key", default="text", input_types=("Message",), advanced=True),
        FieldSpec(
            "keep_separator",
            "Keep Separator",
            input_type="DropdownInput",
            default="False",
            options=("False", "True", "Start", "End"),
            advanced=True,
        ),
        bool_field("clean_output", "Clean Output", "Output only the chunk text."),
    )
    output_specs = (OutputSpec("dataframe", "Chunks", types=("Table",), method="split_text"),)

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """``chunk_size`` 1-10,000,000 and ``chunk_overlap`` 0-10,000,000, else InvalidInput."""
        check_fields(vertex, {"chunk_size": (1, 10_000_000), "chunk_overlap": (0, 10_000_000)}, {})

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the module docstring."""
        separator = unescape(ctx.text("separator", "\n"))
        keep = ctx.text("keep_separator", "False")
        size = max(int_value(ctx.field("chunk_size"), 1000), 1)
        overlap = max(int_value(ctx.field("chunk_overlap"), 200), 0)
        key = ctx.text("text_key", "text") or "text"
        clean = ctx.flag("clean_output", False)
        merge_sep = separator if keep == "False" else ""
        limits = ctx.services.data
        rows: list[dict[str, Any]] = []
        chars = 0
        for row in as_rows(ctx.field("data_inputs")):
            text = cell_text(row.get(key, ""))
            try:
                chunks = merge_pieces(
                    split_pieces(text, separator, keep),
                    merge_sep,
                    size,
                    overlap,
                    max_chunks=limits.split_max_chunks - len(rows),
                    max_chars=limits.split_max_chars - chars,
                )
            except SplitTooLarge as exc:
                message = (
                    f"the chunks would exceed {limits.split_max_chunks} chunks or "
                    f"{limits.split_max_chars} characters; use a larger chunk size or a smaller overlap"
                )
                raise ctx.fail(message, "SplitTooLarge") from exc
            chars += sum(len(c) for c in chunks)
            for chunk in chunks:
                extra = {} if clean else {k: v for k, v in row.items() if k != key}
                rows.append({key: chunk, **extra})
        return ComponentResult({"dataframe": rows})
