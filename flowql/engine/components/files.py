"""Read File (Langflow ``FileComponent``, ``data.type`` ``File``) and Save to File (Langflow
``SaveToFileComponent``, ``data.type`` ``SaveToFile``), both over the run owner's file store
(``EngineServices.files``; never a filesystem path).

**File** reads the files named by ``path`` (a file id, store key or stored name, or a list of
them; ``file_path_str`` too) and by the ``file_path`` edge (a Message's text, a Data's
``file_path`` / ``path`` / ``text``, or a list of those). By extension: ``txt``, ``md``,
``markdown``, ``csv``, ``json``, ``yaml``, ``yml``, ``xml``, ``html``, ``htm``, ``py``, ``js``,
``ts``, ``sql``, ``tsv`` as text (``text_encoding``, default UTF-8, undecodable bytes replaced);
``pdf`` as the text of its pages (pypdf, in a child process killed after
``DataAccess.pdf_timeout_seconds``, capped at ``pdf_max_memory_mb`` MB, at most two at once; at
most ``pdf_max_pages`` pages), pages separated by a
blank line. All the files together may give at most ``DataAccess.file_max_chars`` characters
(``FLOWQL_FILE_MAX_CHARS``); beyond a limit the vertex fails (``FileTooLarge``, or
``UnreadableFile`` for a PDF over its pages or time). Another extension is skipped while
``ignore_unsupported_extensions`` is on (the default), else fails the vertex.
Outputs: ``message`` (a Message: the files' texts joined by ``separator``, default a blank
line) and ``dataframe`` (one row per file: ``text``, ``file_path``). A missing file fails the
vertex (ComponentError ``FileNotFound``, HTTP 422) unless ``silent_errors``; no file named fails
it too.

**Save to File** writes ``input`` (Message, Data or DataFrame) as the owner's file
``{file_name}.{local_format}``: ``txt`` (text), ``json`` (a Message as ``{"message": text}``, Data
as itself, a DataFrame as its records, indented), ``csv`` (rows with a header), ``markdown`` /
``md`` (the text, or a Markdown table). ``append_mode`` adds to an existing file of that name
as Langflow does (:mod:`flowql.engine.components.save_formats`: txt after a newline, Markdown
after a blank line, JSON merged into one array, CSV rows without a second header). Only
``Local`` storage is available (another chosen ``storage_location`` fails the vertex). Output
``message``: ``"<Kind> saved successfully as '<stored name>'"``, the name the file store
actually used (it drops any directory part of ``file_name``).
"""

from __future__ import annotations

from typing import Any

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.save_formats import FORMATS, appender, render
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field
from flowql.engine.components.tabular import message_data
from flowql.engine.context import ComponentContext
from flowql.engine.pdf_child import pdf_text_bounded
from flowql.engine.pdf_extract import extract
from flowql.engine.types import ChatMessage, StoredFile
from flowql.engine.values import to_bool, to_text
from flowql.errors import ComponentError, NotFound, TooLarge

TEXT_EXTENSIONS = frozenset(
    {
        "txt",
        "md",
        "markdown",
        "mdx",
        "csv",
        "json",
        "yaml",
        "yml",
        "xml",
        "html",
        "htm",
        "py",
        "js",
        "ts",
        "sql",
        "tsv",
    }
)


def pdf_text(data: bytes, *, max_pages: int = 500, max_chars: int = 2_000_000) -> str:
    """The text of a PDF's pages (pypdf), separated by blank lines, in this process (no time
    bound: the File component uses :func:`pdf_text_bounded`). Raises ``ValueError`` for a file
    pypdf cannot read or beyond the limits."""
    return extract(data, max_pages, max_chars)


def extension(name: str) -> str:
    """The lower-case extension of ``name`` (``""`` when none)."""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _refs(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [r for item in value for r in _refs(item)]
    if isinstance(value, ChatMessage):
        return _refs(value.text)
    if isinstance(value, dict):
        nested = value.get("data")
        inner: dict[str, Any] = nested if isinstance(nested, dict) else value
        for key in ("file_path", "path", "text"):
            if inner.get(key):
                return _refs(inner[key])
        return []
    text = to_text(value).strip()
    return [text] if text else []


@registry.register("File")
class File(Component):
    """See the module docstring."""

    display_name = "Read File"
    description = "Loads content from one or more files."
    category = "files_and_knowledge"
    icon = "file-text"
    documentation = "https://docs.langflow.org/components-data#file"
    field_specs = (
        FieldSpec(
            "path",
            "Files",
            type="file",
            input_type="FileInput",
            list=True,
            info="The owner's stored files: ids or stored names.",
        ),
        FieldSpec(
            "file_path",
            "Server File Path",
            type="other",
            input_type="HandleInput",
            input_types=("Data", "Message"),
            advanced=True,
        ),
        FieldSpec("separator", "Separator", input_type="StrInput", default="\n\n", advanced=True),
        FieldSpec("text_encoding", "Text Encoding", input_type="StrInput", advanced=True),
        bool_field("silent_errors", "Silent Errors", "If true, errors will not raise an exception."),
        FieldSpec(
            "ignore_unsupported_extensions",
            "Ignore Unsupported Extensions",
            type="bool",
            input_type="BoolInput",
            default=True,
            advanced=True,
        ),
    )
    output_specs = (
        OutputSpec("message", "Raw Content", method="load_files_message"),
        OutputSpec("dataframe", "File Content", types=("Table",), method="load_files"),
    )

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the module docstring."""
        refs = _refs(ctx.field("path")) + _refs(ctx.field("file_path_str")) + _refs(ctx.field("file_path"))
        refs = list(dict.fromkeys(refs))
        if not refs:
            raise ctx.fail("no file selected", "NoFile")
        silent = ctx.flag("silent_errors", False)
        limit = ctx.services.data.file_max_chars
        rows: list[dict[str, Any]] = []
        total = 0
        for ref in refs:
            try:
                text = await self._read(ctx, ref)
            except ComponentError:
                if silent:
                    continue
                raise
            if text is None:
                continue
            total += len(text)
            if total > limit:
                raise ctx.fail(f"the files' text is longer than {limit} characters", "FileTooLarge")
            rows.append({"text": text, "file_path": ref})
        separator = ctx.text("separator", "\n\n")
        message = ctx.new_message(separator.join(r["text"] for r in rows), "", "")
        return ComponentResult({"message": message, "dataframe": rows})

    @staticmethod
    async def _read(ctx: ComponentContext, ref: str) -> str | None:
        try:
            stored: StoredFile = await ctx.services.files.read(ref)
        except NotFound as exc:
            raise ctx.fail(f"file {ref!r} not found", "FileNotFound") from exc
        kind = extension(stored.name)
        data = ctx.services.data
        if kind == "pdf":
            try:
                return await pdf_text_bounded(
                    stored.data,
                    max_pages=data.pdf_max_pages,
                    max_chars=data.file_max_chars,
                    seconds=data.pdf_timeout_seconds,
                    max_memory_mb=data.pdf_max_memory_mb,
                )
            except ValueError as exc:
                raise ctx.fail(f"file {ref!r}: {exc}", "UnreadableFile") from exc
        if kind in TEXT_EXTENSIONS:
            if len(stored.data) > 4 * data.file_max_chars:  # more characters than allowed in any encoding
                raise ctx.fail(
                    f"the files' text is longer than {data.file_max_chars} characters", "FileTooLarge"
                )
            encoding = ctx.text("text_encoding").strip() or "utf-8"
            try:
                return stored.data.decode(encoding, errors="replace")
            except LookupError as exc:
                raise ctx.fail(f"unknown text encoding {encoding!r}", "UnknownEncoding") from exc
        if ctx.flag("ignore_unsupported_extensions", True):
            return None
        raise ctx.fail(f"file {ref!r}: unsupported extension {kind!r}", "UnsupportedFile")


def _storage_ok(value: Any) -> bool:
    """Only ``Local`` storage: an empty choice or one naming Local."""
    if not isinstance(value, list):
        return value in (None, "", "Local")
    chosen = [
        str(item.get("name"))
        for item in value
        if isinstance(item, dict)
        and (to_bool(item.get("chosen"), False) or to_bool(item.get("selected"), False))
    ]
    return all(name == "Local" for name in chosen)


@registry.register("SaveToFile")
class SaveToFile(Component):
    """See the module docstring."""

    display_name = "Write File"
    description = "Save data to the owner's file store in the selected format."
    category = "files_and_knowledge"
    icon = "file-text"
    documentation = "https://docs.langflow.org/components-processing#save-file"
    field_specs = (
        FieldSpec(
            "input",
            "File Content",
            type="other",
            input_type="HandleInput",
            input_types=("Data", "DataFrame", "Message"),
            required=True,
        ),
        FieldSpec("file_name", "File Name", input_type="StrInput", required=True),
        FieldSpec(
            "local_format",
            "File Format",
            input_type="DropdownInput",
            default="txt",
            options=FORMATS,
        ),
        FieldSpec("append_mode", "Append", type="bool", input_type="BoolInput", default=False, advanced=True),
    )
    output_specs = (OutputSpec("message", "File Path", method="save_to_file"),)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the module docstring."""
        if not _storage_ok(ctx.field("storage_location")):
            raise ctx.fail("only Local storage is available", "UnsupportedStorage")
        base = ctx.text("file_name").strip()
        if not base:
            raise ctx.fail("file_name is empty", "NoFileName")
        fmt = (ctx.text("local_format") or ctx.text("file_format") or "txt").strip().lower()
        if fmt not in FORMATS:
            raise ctx.fail(
                f"unsupported format {fmt!r}; choose one of {', '.join(FORMATS)}", "UnsupportedFormat"
            )
        value = ctx.field("input")
        kind, data = render(value, fmt)
        name = base if extension(base) == fmt else f"{base}.{fmt}"
        append = ctx.flag("append_mode", False)
        merge = appender(value, fmt) if append else None
        try:
            stored = await ctx.services.files.save(name, data, append=append, merge=merge)
        except TooLarge as exc:
            raise ctx.fail(exc.message, "TooLarge") from exc
        text = f"{kind} saved successfully as '{stored}'"
        return ComponentResult({"message": ctx.new_message(text, "", "")})


__all__ = ["File", "SaveToFile", "message_data", "pdf_text", "pdf_text_bounded", "render"]
