"""Language model components: ``LanguageModelComponent`` (Langflow's "Language Model") and the
older ``OpenAIModel`` ("OpenAI").

Both send ``system_message`` (when not empty) and ``input_value`` as one chat completion through
``services.chat_models`` and give two outputs: ``text_output`` (a Message with the reply, whose
``properties.source`` is ``{id: this vertex, display_name, source: model name}`` and
``properties.usage`` the token counts) and ``model_output`` (the :class:`ModelSpec`, for
components that take a ``LanguageModel``). With ``stream`` on, each chunk is a ``token`` event
``{"chunk", "id"}`` whose ``id`` is the ``text_output`` message's id.

The model: the ``model`` field (``""`` → ``FLOWQL_DEFAULT_MODEL``; else a one-entry list shaped
like its ``options[]``) or, for ``OpenAIModel``, ``model_name``; the key: ``api_key`` resolved
per design.md "Secrets and variables", empty or unresolved → ``OPENAI_API_KEY``.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.spec import FieldSpec, OutputSpec
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.models.chat import ModelCallError, ModelReply
from flowql.engine.models.spec import ModelSpec, model_name_from_field, resolve_model
from flowql.engine.types import EngineEvent
from flowql.engine.values import to_text
from flowql.errors import ComponentError, ComponentFailure, FieldProblem, InvalidInput


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def check_model_fields(vertex: Vertex, model_fields: tuple[str, ...]) -> None:
    """A malformed model field (any of ``model_fields``) fails the run before anything runs
    (InvalidInput naming the vertex and field)."""
    for name in model_fields:
        spec = vertex.template.get(name)
        if spec is None:
            continue
        try:
            model_name_from_field(spec.get("value"))
        except ValueError as exc:
            problem = FieldProblem(f"nodes.{vertex.id}.{name}", str(exc))
            raise InvalidInput(f"Component '{vertex.display_name}' ({vertex.id}): {exc}", [problem]) from exc


def model_spec(
    ctx: ComponentContext,
    model_fields: tuple[str, ...] = ("model", "model_name"),
    base_url_field: str | None = None,
) -> ModelSpec:
    """The model a vertex calls (see the module docstring): the first of ``model_fields``
    naming a model (else the default), ``temperature``, ``max_tokens``, ``api_key`` and the base
    URL in ``base_url_field`` (none: the server's)."""
    model_value: Any = None
    for name in model_fields:
        value = ctx.field(name)
        if model_name_from_field(value)[0]:
            model_value = value
            break
    max_tokens = _number(ctx.field("max_tokens"))
    defaults = ctx.services.model_defaults
    base_url = ctx.text(base_url_field).strip() if base_url_field else ""
    # A base URL the flow chose (not the server's) gets only a key written in the flow:
    # never the server's OPENAI_API_KEY, nor a variable resolved from the environment.
    chosen = bool(base_url) and base_url.rstrip("/") != (defaults.base_url or "").rstrip("/")
    return resolve_model(
        defaults,
        model_field=model_value,
        api_key=ctx.literal_secret("api_key") if chosen else ctx.optional_secret("api_key"),
        temperature=_number(ctx.field("temperature")),
        max_tokens=int(max_tokens) if max_tokens and max_tokens > 0 else None,
        base_url=base_url or None,
        use_default_key=not chosen,
    )


def model_call_error(ctx: ComponentContext, exc: ModelCallError) -> ComponentError:
    """A provider failure as the ComponentError ending the run (its ``error_type`` and
    ``upstream_status``; ``Timeout`` for a timeout)."""
    vertex = ctx.vertex
    failure = ComponentFailure(
        vertex.id,
        vertex.display_name,
        error_type=exc.error_type,
        upstream_status=exc.status,
        upstream=exc.error_type != "MissingAPIKey",
    )
    status = f" (upstream status {exc.status})" if exc.status is not None else ""
    message = f"Error building component '{vertex.display_name}' ({vertex.id}): {exc.message}{status}"
    return ComponentError(message, failure)


class _ChatModelComponent(Component):
    """Shared behaviour; subclasses name the fields holding the model and the base URL."""

    model_fields: ClassVar[tuple[str, ...]] = ("model", "model_name")
    base_url_field: ClassVar[str | None] = None

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """A malformed ``model`` value fails the run before anything runs (InvalidInput)."""
        check_model_fields(vertex, cls.model_fields)

    def spec(self, ctx: ComponentContext) -> ModelSpec:
        """The model this vertex calls (see the module docstring)."""
        return model_spec(ctx, self.model_fields, self.base_url_field)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """Call the model; outputs ``text_output`` (Message) and ``model_output`` (ModelSpec).
        A provider failure raises ComponentError with its ``error_type`` and ``upstream_status``
        (``Timeout`` for a timeout)."""
        spec = self.spec(ctx)
        messages: list[dict[str, Any]] = []
        system = ctx.text("system_message")
        if system.strip():
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": to_text(ctx.field("input_value"))})
        message_id = str(uuid.uuid4())

        async def on_token(chunk: str) -> None:
            await ctx.services.emit(EngineEvent("token", {"chunk": chunk, "id": message_id}))

        stream = ctx.flag("stream", False)
        try:
            reply: ModelReply = await ctx.services.chat_models(spec).complete(
                messages, stream=stream, on_token=on_token if stream else None
            )
        except ModelCallError as exc:
            raise model_call_error(ctx, exc) from exc
        usage = reply.usage.as_dict() if reply.usage is not None else None
        source = {"id": ctx.vertex.id, "display_name": self.display_name, "source": spec.model}
        text_message = ctx.new_message(
            reply.text, "Machine", "AI", id=message_id, properties={"source": source, "usage": usage}
        )
        return ComponentResult(
            {"text_output": text_message, "model_output": spec},
            model_name=spec.model,
            token_usage=usage,
        )


#: The ``model`` field (Langflow ``ModelInput``) of the model components and the Agent.
MODEL_FIELD = FieldSpec(
    "model",
    "Language Model",
    type="model",
    input_type="ModelInput",
    info="Empty: FLOWQL_DEFAULT_MODEL on OPENAI_BASE_URL; else one option {name, provider}",
    input_types=("LanguageModel",),
    default="",
)


def _shared_fields(*, advanced_prompting: bool) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec(
            "api_key", "API Key", input_type="SecretStrInput", info="Model Provider API key", advanced=True
        ),
        FieldSpec(
            "input_value",
            "Input",
            input_type="MessageInput",
            info="The input text to send to the model",
            input_types=("Message",),
        ),
        FieldSpec(
            "system_message",
            "System Message",
            input_type="MultilineInput",
            info="A system message that helps set the behavior of the assistant",
            input_types=("Message",),
            multiline=True,
            advanced=advanced_prompting,
        ),
        FieldSpec("stream", "Stream", type="bool", input_type="BoolInput", default=False, advanced=True),
        FieldSpec(
            "temperature", "Temperature", type="slider", input_type="SliderInput", default=0.1, advanced=True
        ),
        FieldSpec("max_tokens", "Max Tokens", type="int", input_type="IntInput", default=0, advanced=True),
    )


_MODEL_OUTPUTS = (
    OutputSpec("text_output", "Model Response", method="text_response"),
    OutputSpec("model_output", "Language Model", types=("LanguageModel",), method="build_model"),
)


@registry.register("LanguageModelComponent")
class LanguageModelComponent(_ChatModelComponent):
    """Langflow's "Language Model": ``model`` (ModelInput), ``api_key``, ``system_message``,
    ``input_value``, ``temperature``, ``stream``; see the module docstring."""

    display_name = "Language Model"
    description = "Runs a language model given a specified provider."
    category = "models"
    icon = "brain-circuit"
    field_specs = (
        MODEL_FIELD,
        *_shared_fields(advanced_prompting=False),
    )
    output_specs = _MODEL_OUTPUTS


@registry.register("OpenAIModel")
class OpenAIModel(_ChatModelComponent):
    """Langflow's older "OpenAI" model component: ``model_name``, ``openai_api_base`` (base
    URL; empty → ``OPENAI_BASE_URL``), ``api_key``, ``max_tokens``, ``temperature``, ``stream``."""

    display_name = "OpenAI"
    description = "Generates text using OpenAI LLMs."
    category = "models"
    icon = "OpenAI"
    model_fields = ("model_name", "model")
    base_url_field = "openai_api_base"
    field_specs = (
        FieldSpec("model_name", "Model Name", input_type="DropdownInput", default="gpt-4o-mini"),
        FieldSpec(
            "openai_api_base",
            "OpenAI API Base",
            input_type="StrInput",
            info="Empty: OPENAI_BASE_URL. Another base URL gets only an api_key written in the flow.",
            advanced=True,
        ),
        *_shared_fields(advanced_prompting=True),
    )
    output_specs = _MODEL_OUTPUTS
