"""Chat Input / Chat Output / Text Input / Text Output (design.md "The five core components").

Mirrors Langflow's ``ChatInput``, ``ChatOutput``, ``TextInputComponent`` and
``TextOutputComponent``: chat components make and (when ``should_store_message``) store a
message under the run's session; text components pass text through without storing anything.
"""

from __future__ import annotations

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.context import ComponentContext
from flowql.engine.values import to_files, to_text


async def _finish_chat(
    ctx: ComponentContext, text: str, sender: str, name: str, *, with_source: bool
) -> ComponentResult:
    """Make the chat message, store it when ``should_store_message`` (default on), return it
    as output ``message``."""
    properties = {"source": ctx.source_properties()} if with_source else None
    message = ctx.new_message(
        text,
        sender,
        name,
        files=to_files(ctx.field("files")),
        context_id=ctx.text("context_id"),
        properties=properties,
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
    input_kind = "chat"

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
    output_kind = "chat"

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
    input_kind = "text"

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the class docstring."""
        return _plain_text_result(ctx)


@registry.register("TextOutput")
class TextOutput(Component):
    """Passes the incoming text on as a Message (output ``text``); stores nothing."""

    display_name = "Text Output"
    output_kind = "text"

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the class docstring."""
        return _plain_text_result(ctx)
