"""Chat Input / Chat Output / Text Input / Text Output (design.md "The five core components").

Mirrors Langflow's ``ChatInput``, ``ChatOutput``, ``TextInputComponent`` and
``TextOutputComponent``: chat components make and (when ``should_store_message``) store a
message under the run's session; text components pass text through without storing anything.
"""

from __future__ import annotations

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field, message_text
from flowql.engine.context import ComponentContext
from flowql.engine.types import ChatMessage
from flowql.engine.values import to_files, to_text

_CHAT_DOCS = "https://docs.langflow.org/chat-input-and-output"
_TEXT_DOCS = "https://docs.langflow.org/text-input-and-output"
_SENDERS = ("Machine", "User")


def _chat_fields(sender: str, sender_name: str) -> tuple[FieldSpec, ...]:
    """The fields Chat Input and Chat Output share, with their sender defaults."""
    return (
        bool_field("should_store_message", "Store Messages", "Store the message in the history.", True),
        FieldSpec(
            "sender",
            "Sender Type",
            input_type="DropdownInput",
            info="Type of sender.",
            default=sender,
            advanced=True,
            options=_SENDERS,
        ),
        message_text("sender_name", "Sender Name", "Name of the sender.", sender_name),
        message_text(
            "session_id",
            "Session ID",
            "The session ID of the chat. If empty, the current session ID parameter will be used.",
        ),
        message_text(
            "context_id",
            "Context ID",
            "The context ID of the chat. Adds an extra layer to the local memory.",
        ),
    )


async def _finish_chat(
    ctx: ComponentContext, text: str, sender: str, name: str, *, with_source: bool
) -> ComponentResult:
    """Make the chat message, store it when ``should_store_message`` (default on), return it
    as output ``message``."""
    value = ctx.field("input_value")
    properties = ctx.output_properties(value) if with_source else None
    # An upstream message's content blocks (an Agent's steps) stay on the shown message.
    blocks = list(value.content_blocks) if with_source and isinstance(value, ChatMessage) else []
    inherited = ctx.inherited_id(value) if with_source else None
    message = ctx.new_message(
        text,
        sender,
        name,
        **({"id": inherited} if inherited else {}),
        files=to_files(ctx.field("files")),
        context_id=ctx.text("context_id"),
        properties=properties,
        content_blocks=blocks,
    )
    stored = False
    if ctx.flag("should_store_message", True):
        message = await ctx.store_message(message)
        stored = True
    return ComponentResult({"message": message}, message=message, stored=stored)


@registry.register("ChatInput")
class ChatInput(Component):
    """Makes a message from ``input_value`` with ``sender`` ("User") and ``sender_name`` ("User");
    ``properties.source`` is all null. Output ``message``."""

    display_name = "Chat Input"
    description = "Get chat inputs from the Playground."
    category = "input_output"
    icon = "MessagesSquare"
    documentation = _CHAT_DOCS
    input_kind = "chat"
    field_specs = (
        FieldSpec(
            "input_value",
            "Input Text",
            input_type="MultilineInput",
            info="Message to be passed as input.",
            multiline=True,
        ),
        *_chat_fields("User", "User"),
        FieldSpec(
            "files",
            "Files",
            type="file",
            input_type="FileInput",
            info="Files to be sent with the message.",
            advanced=True,
            list=True,
        ),
    )
    output_specs = (OutputSpec("message", "Chat Message", method="message_response"),)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the class docstring."""
        text = ctx.text("input_value")
        sender = ctx.text("sender") or "User"
        sender_name = ctx.text("sender_name") or "User"
        return await _finish_chat(ctx, text, sender, sender_name, with_source=False)


@registry.register("ChatOutput")
class ChatOutput(Component):
    """Makes a **new** message (new id) whose text is the incoming value's text (a Data value
    through ``data_template`` / ``clean_data``), ``sender`` "Machine", ``sender_name`` "AI", and
    ``properties.source`` = ``{id, display_name, source}`` of the upstream vertex. Output
    ``message``. A ``None`` input fails, as in Langflow."""

    display_name = "Chat Output"
    description = "Display a chat message in the Playground."
    category = "input_output"
    icon = "MessagesSquare"
    documentation = _CHAT_DOCS
    output_kind = "chat"
    field_specs = (
        FieldSpec(
            "input_value",
            "Inputs",
            type="other",
            input_type="HandleInput",
            info="Message to be passed as output.",
            required=True,
            input_types=("Data", "JSON", "DataFrame", "Table", "Message"),
        ),
        *_chat_fields("Machine", "AI"),
        message_text(
            "data_template",
            "Data Template",
            "Template to convert Data to Text. If left empty, it will be dynamically set to the "
            "Data's text key.",
            "{text}",
        ),
        bool_field(
            "clean_data", "Basic Clean Data", "Whether to clean data before converting to string.", True
        ),
    )
    output_specs = (OutputSpec("message", "Output Message", method="message_response"),)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the class docstring."""
        value = ctx.field("input_value")
        if value is None:
            raise ValueError("Input data cannot be None")
        text = to_text(
            value,
            data_template=ctx.text("data_template") or "{text}",
            clean_data=ctx.flag("clean_data", True),
        )
        sender = ctx.text("sender") or "Machine"
        sender_name = ctx.text("sender_name") or "AI"
        return await _finish_chat(ctx, text, sender, sender_name, with_source=True)


def _plain_text_result(ctx: ComponentContext) -> ComponentResult:
    text = ctx.text("input_value")
    message = ctx.new_message(text, "", "")
    return ComponentResult({"text": message})


@registry.register("TextInput")
class TextInput(Component):
    """Passes ``input_value`` on as a Message (output ``text``); stores nothing."""

    display_name = "Text Input"
    description = "Get user text inputs."
    category = "input_output"
    icon = "type"
    documentation = _TEXT_DOCS
    legacy = True
    input_kind = "text"
    field_specs = (
        FieldSpec(
            "input_value",
            "Text",
            input_type="MultilineInput",
            info="Text to be passed as input.",
            input_types=("Message",),
            multiline=True,
        ),
        bool_field(
            "use_global_variable",
            "Use Global Variable",
            "Enable to select from global variables (shows globe icon). Disables multiline editing.",
        ),
    )
    output_specs = (OutputSpec("text", "Output Text", method="text_response"),)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the class docstring."""
        return _plain_text_result(ctx)


@registry.register("TextOutput")
class TextOutput(Component):
    """Passes the incoming text on as a Message (output ``text``); stores nothing."""

    display_name = "Text Output"
    description = "Sends text output via API."
    category = "input_output"
    icon = "type"
    documentation = _TEXT_DOCS
    legacy = True
    output_kind = "text"
    field_specs = (
        FieldSpec(
            "input_value",
            "Inputs",
            input_type="MultilineInput",
            info="Text to be passed as output.",
            input_types=("Message",),
            multiline=True,
        ),
    )
    output_specs = (OutputSpec("text", "Output Text", method="text_response"),)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the class docstring."""
        return _plain_text_result(ctx)
