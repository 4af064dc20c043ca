"""Language model components: ``LanguageModelComponent`` (Langflow's "Language Model") and the
older ``OpenAIModel`` ("OpenAI").

Both send ``system_message`` (when not empty) and ``input_value`` as one chat completion through
``services.chat_models`` and give two outputs: ``text_output`` (a Message with the reply, whose
``properties.source`` is ``{id: this vertex, display_name, source: model name}`` and
``properties.usage`` the token counts) and ``model_output`` (the :class:`ModelSpec`, for
components that take a ``LanguageModel``). With ``stream`` on and the reply going to a Chat
Output alone (:meth:`~flowql.engine.context.ComponentContext.streams`), each chunk is a ``token`` event
``{"chunk", "id"}`` whose ``id`` is the ``text_output`` message's id, which that Chat Output
stores it under.

The model: the ``model`` field (``""`` → ``FLOWQL_DEFAULT_MODEL``; else a one-entry list shaped
like its ``options[]``) or, for ``OpenAIModel``, ``model_name``; the key: ``api_key`` resolved
per design.md "Secrets and variables", empty or unresolved → ``OPENAI_API_KEY``.

Field values are checked before anything runs (:func:`check_model_fields`) and again as they are
at run time (:func:`model_spec`): ``api_key`` text of printable ASCII, ``temperature`` 0-2,
``max_tokens`` a whole number 0-1,000,000, ``openai_api_base`` an http(s) URL with a host;
empty values mean the default. A bad value is a 422 naming ``<vertex id>.<field>``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import httpx

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.spec import FieldSpec, OutputSpec
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.models.chat import ModelCallError, ModelReply
from flowql.engine.models.spec import (
    ModelSpec,
    chooses_base_url,
    model_name_from_field,
    provider_of,
    resolve_model,
)
from flowql.engine.types import ChatMessage, EngineEvent
from flowql.engine.values import to_text
from flowql.errors import ComponentError, ComponentFailure, FieldProblem, InvalidInput

_T = TypeVar("_T")


#: The ``temperature`` range accepted (OpenAI's).
TEMPERATURE_RANGE = (0.0, 2.0)
#: The largest ``max_tokens`` accepted (no model answers more).
MAX_TOKENS_LIMIT = 1_000_000
_TEMPERATURE_PROBLEM = f"must be a number from {TEMPERATURE_RANGE[0]:g} to {TEMPERATURE_RANGE[1]:g}"
_MAX_TOKENS_PROBLEM = f"must be a whole number from 0 to {MAX_TOKENS_LIMIT} (0: the model's default)"
_API_KEY_PROBLEM = "must be text of printable ASCII characters (no line breaks or control characters)"
_BASE_URL_PROBLEM = "must be an http or https URL with a host, e.g. http://localhost:11434/v1"


def _field_error(vertex: Vertex, name: str, problem: str) -> InvalidInput:
    """InvalidInput naming ``<vertex id>.<name>`` (the value itself is never quoted: it may be
    a secret)."""
    path = f"{vertex.id}.{name}"
    return InvalidInput(
        f"Component '{vertex.display_name}' ({vertex.id}): field '{path}' {problem}",
        [FieldProblem(path, problem)],
    )


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_float(value: Any) -> float | None:
    """``value`` (a number or numeric text) as a finite float; ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


def parse_temperature(value: Any) -> float | None:
    """A ``temperature`` value: empty (``None``, ``""``) → ``None`` (the provider's default);
    a number or numeric text from 0 to 2 → that number. Raises ValueError otherwise (booleans,
    other text, non-finite or out-of-range numbers)."""
    if _empty(value):
        return None
    number = _as_float(value)
    if number is None or not TEMPERATURE_RANGE[0] <= number <= TEMPERATURE_RANGE[1]:
        raise ValueError(_TEMPERATURE_PROBLEM)
    return number


def parse_max_tokens(value: Any) -> int | None:
    """A ``max_tokens`` value: empty or ``0`` → ``None`` (the model's default); a whole number
    (also ``64.0`` or numeric text) from 1 to :data:`MAX_TOKENS_LIMIT` → that number. Raises
    ValueError otherwise."""
    if _empty(value):
        return None
    number = _as_float(value)
    if number is None or not number.is_integer() or not 0 <= number <= MAX_TOKENS_LIMIT:
        raise ValueError(_MAX_TOKENS_PROBLEM)
    return int(number) or None


def api_key_problem(key: str) -> str | None:
    """Why ``key`` (stripped) cannot be sent as a bearer token: any character outside printable
    ASCII (a line break, a control character, non-ASCII text); ``None`` when it can."""
    return None if all(" " <= c <= "~" for c in key.strip()) else _API_KEY_PROBLEM


def base_url_problem(value: Any) -> str | None:
    """Why ``value`` is not a usable base URL (``None`` when it is, or when it is empty: the
    server's): not text, not ``http``/``https``, no host, or not parseable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or api_key_problem(value) is not None:
        return _BASE_URL_PROBLEM
    try:
        parsed = httpx.URL(value.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        return _BASE_URL_PROBLEM
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return _BASE_URL_PROBLEM
    return None


def check_model_fields(
    vertex: Vertex, model_fields: tuple[str, ...], base_url_field: str | None = None
) -> None:
    """The literal model settings of ``vertex``, checked before anything runs: each of
    ``model_fields`` (a model option, see :func:`model_name_from_field`), ``api_key`` (text,
    printable ASCII once stripped; for ``load_from_db`` a variable name), ``temperature``
    (:func:`parse_temperature`), ``max_tokens`` (:func:`parse_max_tokens`) and the base URL in
    ``base_url_field`` (:func:`base_url_problem`); fields the vertex lacks are skipped, empty
    values mean "default". Raises InvalidInput naming ``<vertex id>.<field>`` (the Agent and
    the model components' ``check()``)."""
    for name in model_fields:
        spec = vertex.template.get(name)
        if spec is None:
            continue
        try:
            model_name_from_field(spec.get("value"))
        except ValueError as exc:
            field_problem = FieldProblem(f"nodes.{vertex.id}.{name}", str(exc))
            message = f"Component '{vertex.display_name}' ({vertex.id}): {exc}"
            raise InvalidInput(message, [field_problem]) from exc
    key_spec = vertex.template.get("api_key")
    if key_spec is not None:
        key = key_spec.get("value")
        if key is not None and not isinstance(key, str):
            raise _field_error(vertex, "api_key", "must be text")
        if key and not key_spec.get("load_from_db") and (problem := api_key_problem(key)) is not None:
            raise _field_error(vertex, "api_key", problem)
    for name, parse in (("temperature", parse_temperature), ("max_tokens", parse_max_tokens)):
        spec = vertex.template.get(name)
        if spec is None or spec.get("load_from_db"):
            continue
        try:
            parse(spec.get("value"))
        except ValueError as exc:
            raise _field_error(vertex, name, str(exc)) from exc
    if base_url_field is not None:
        spec = vertex.template.get(base_url_field)
        if spec is not None and not spec.get("load_from_db"):
            if (problem := base_url_problem(spec.get("value"))) is not None:
                raise _field_error(vertex, base_url_field, problem)


def _run_value(ctx: ComponentContext, name: str, parse: Callable[[Any], _T]) -> _T:
    """Field ``name`` at run time through ``parse`` (a Message or Data from an edge as its
    text); InvalidInput naming ``<vertex id>.<name>`` when ``parse`` refuses it."""
    value = ctx.field(name)
    if isinstance(value, ChatMessage | dict):
        value = to_text(value)
    try:
        return parse(value)
    except ValueError as exc:
        raise _field_error(ctx.vertex, name, str(exc)) from exc


def model_spec(
    ctx: ComponentContext,
    model_fields: tuple[str, ...] = ("model", "model_name"),
    base_url_field: str | None = None,
) -> ModelSpec:
    """The model a vertex calls (see the module docstring): the first of ``model_fields``
    naming a model (else the default), ``temperature``, ``max_tokens``, ``api_key`` and the base
    URL in ``base_url_field`` (none: the server's). The values as they are at run time (edges
    and variables resolved) are checked as :func:`check_model_fields` does; raises InvalidInput
    naming ``<vertex id>.<field>``."""
    model_value: Any = None
    for name in model_fields:
        value = ctx.field(name)
        if model_name_from_field(value)[0]:
            model_value = value
            break
    defaults = ctx.services.model_defaults
    base_url = ""
    if base_url_field:
        base_url = ctx.text(base_url_field).strip()
        if (problem := base_url_problem(base_url)) is not None:
            raise _field_error(ctx.vertex, base_url_field, problem)
    # A base URL the flow chose (not the server's for that provider) gets only a key written in
    # the flow: never the server's key, nor a variable resolved from the environment.
    provider = provider_of(model_name_from_field(model_value)[1])
    chosen = chooses_base_url(defaults, provider, base_url)
    api_key = ctx.literal_secret("api_key") if chosen else ctx.optional_secret("api_key")
    if api_key is not None and (problem := api_key_problem(api_key)) is not None:
        raise _field_error(ctx.vertex, "api_key", problem)
    return resolve_model(
        defaults,
        model_field=model_value,
        api_key=api_key,
        temperature=_run_value(ctx, "temperature", parse_temperature),
        max_tokens=_run_value(ctx, "max_tokens", parse_max_tokens),
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
        """A malformed ``model``, ``api_key``, ``temperature``, ``max_tokens`` or base URL value
        fails the run before anything runs (InvalidInput, see :func:`check_model_fields`)."""
        check_model_fields(vertex, cls.model_fields, cls.base_url_field)

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

        stream = ctx.streams("text_output")
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
    category = "models_and_agents"
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
    category = "models_and_agents"
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
