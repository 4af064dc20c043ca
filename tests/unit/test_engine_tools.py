"""The built-in agent tools: the calculator (an AST walker, never eval) and the current date;
bad arguments come back as error text, never as an exception."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flowql.engine.components.agent_loop import tool_input_block
from flowql.engine.components.tool_mode import tool_entries
from flowql.engine.graph import Vertex
from flowql.engine.text import loads_finite, storable_text
from flowql.engine.tools import Tool, ToolError, calculator_tool, current_date_tool, validate_arguments
from flowql.engine.tools.base import MAX_STRING_ARGUMENT, parse_arguments
from flowql.engine.tools.calculator import MAX_EXPRESSION_LENGTH


async def calc(expression: object) -> str:
    return await calculator_tool().run({"expression": expression})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2+3*4", "14"),
        ("2*3+4", "10"),
        ("10-4-3", "3"),
        ("2**3**2", "512"),
        ("(2+3)*4", "20"),
        ("((1+2)*(3+4))", "21"),
        ("1.5*2", "3"),
        ("0.1+0.2", "0.3"),
        ("1/3", "0.333333"),
        ("7/2", "3.5"),
        ("7//2", "3"),
        ("7%3", "1"),
        ("-5+2", "-3"),
        ("-(2+3)", "-5"),
        ("--4", "4"),
        ("-2**2", "-4"),
        ("2**-1", "0.5"),
        (" 4*4*(33/22)+12-20 ", "16"),
        ("2**1000", str(2**1000)),
    ],
)
async def test_calculator_computes_arithmetic(expression: str, expected: str) -> None:
    assert await calc(expression) == expected


@pytest.mark.parametrize("expression", ["1/0", "1//0", "5%0", "0**-1", "1/(2-2)"])
async def test_division_by_zero_is_an_error_text(expression: str) -> None:
    assert await calc(expression) == "Error: Division by zero"


@pytest.mark.parametrize(
    ("expression", "element"),
    [
        ("__import__('os')", "Call"),
        ("a+1", "Name"),
        ("(1).real", "Attribute"),
        ("[1, 2][0]", "Subscript"),
        ("1 < 2", "Compare"),
        ("lambda: 1", "Lambda"),
        ("1 if 1 else 2", "IfExp"),
        ("~1", "UnaryOp"),
        ("1 << 2", "BinOp"),
    ],
)
async def test_anything_but_arithmetic_is_refused(expression: str, element: str) -> None:
    assert await calc(expression) == f"Error: Invalid expression: unsupported element '{element}'"


@pytest.mark.parametrize("expression", ["'a'*3", "True+1", "1j*2", "None"])
async def test_only_number_literals(expression: str) -> None:
    assert (await calc(expression)).startswith("Error: Invalid expression: only numbers are allowed")


@pytest.mark.parametrize("expression", ["2+", "(1+2", "", "1 2"])
async def test_syntax_errors_are_error_texts(expression: str) -> None:
    assert (await calc(expression)).startswith("Error: Invalid expression: ")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("9**9**9", "exponent larger than 1000"),
        ("2**100000", "exponent larger than 1000"),
        ("10**999", "the result is too large"),
        ("2**1000*2**1000", "the result is too large"),
        ("1e308*10", "the result is too large"),
        ("10.0**400", "the result is too large"),
        ("(-8)**0.5", "the result is not a real number"),
    ],
)
async def test_huge_results_are_refused(expression: str, message: str) -> None:
    assert await calc(expression) == f"Error: Invalid expression: {message}"


async def test_overlong_expression_is_refused() -> None:
    text = "+".join(["1"] * MAX_EXPRESSION_LENGTH)
    assert await calc(text) == f"Error: Invalid expression: longer than {MAX_EXPRESSION_LENGTH} characters"


async def test_deep_nesting_is_an_error_text_not_a_crash() -> None:
    assert (await calc("(" * 300 + "1" + ")" * 300)).startswith("Error: Invalid expression")


async def test_bad_calculator_arguments_are_error_texts() -> None:
    tool = calculator_tool()
    assert await tool.run({}) == "Error: missing required argument 'expression'"
    assert await tool.run({"expression": None}) == "Error: missing required argument 'expression'"
    assert await tool.run({"expression": 3}) == "Error: argument 'expression' must be of type string"
    assert await tool.run({"expression": "1", "x": 1}) == "Error: unknown argument(s): x"
    assert await tool.run("not json") == "Error: arguments are not valid JSON: Expecting value"
    assert await tool.run("[1]") == "Error: arguments must be a JSON object"
    result = await tool.call({"expression": 3})
    assert result.error is True


async def test_arguments_may_be_openai_json_text() -> None:
    result = await calculator_tool().call('{"expression": "2+3*4"}')
    assert (result.text, result.error) == ("14", False)


def test_calculator_declares_langflows_name_and_schema() -> None:
    spec = calculator_tool().openai_spec()
    assert spec["type"] == "function"
    function = spec["function"]
    assert function["name"] == "evaluate_expression"
    assert function["description"] == "Perform basic arithmetic operations on a given expression."
    params = function["parameters"]
    assert params["type"] == "object"
    assert params["required"] == ["expression"]
    assert params["properties"]["expression"]["type"] == "string"


FIXED = datetime(2025, 1, 15, 12, 30, 45, tzinfo=UTC)


async def test_current_date_in_utc() -> None:
    tool = current_date_tool(now=lambda: FIXED)
    assert await tool.run({"timezone": "UTC"}) == "Current date and time in UTC: 2025-01-15 12:30:45 UTC"
    assert await tool.run({}) == "Current date and time in UTC: 2025-01-15 12:30:45 UTC"


async def test_current_date_in_another_zone() -> None:
    text = await current_date_tool(now=lambda: FIXED).run({"timezone": "Asia/Tokyo"})
    assert text == "Current date and time in Asia/Tokyo: 2025-01-15 21:30:45 JST"


@pytest.mark.parametrize("zone", ["Mars/Base", "../../etc/passwd", "/etc/localtime", "x" * 500])
async def test_bad_timezone_is_an_error_text(zone: str) -> None:
    text = await current_date_tool(now=lambda: FIXED).run({"timezone": zone})
    assert text.startswith("Error: Unknown timezone '")
    assert len(text) < 120


async def test_current_date_real_clock_and_bad_type() -> None:
    tool = current_date_tool()
    assert (await tool.run({"timezone": "UTC"})).startswith("Current date and time in UTC: ")
    assert await tool.run({"timezone": 5}) == "Error: argument 'timezone' must be of type string"
    spec = tool.openai_spec()["function"]
    assert spec["name"] == "get_current_date"
    assert spec["parameters"]["required"] == []
    assert spec["parameters"]["properties"]["timezone"]["default"] == "UTC"


def test_validate_arguments_checks_types_enum_and_defaults() -> None:
    args = {
        "n": {"type": "integer"},
        "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
        "flag": {"type": "boolean"},
    }
    assert validate_arguments(args, ("n",), {"n": 2}) == {"n": 2, "mode": "a"}
    with pytest.raises(ToolError, match="'n' must be of type integer"):
        validate_arguments(args, ("n",), {"n": True})
    with pytest.raises(ToolError, match="'mode' must be one of"):
        validate_arguments(args, ("n",), {"n": 1, "mode": "c"})
    with pytest.raises(ToolError, match="'flag' must be of type boolean"):
        validate_arguments(args, (), {"flag": "yes"})


async def test_a_tool_error_raised_by_the_function_becomes_text() -> None:
    async def fail(arguments: dict[str, object]) -> str:
        raise ToolError("upstream said no")

    tool = Tool(name="t", description="d", args={}, func=fail)
    result = await tool.call({})
    assert (result.text, result.error) == ("Error: upstream said no", True)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a\ud800b", "holds text that is not valid Unicode (a lone surrogate)"),
        (["ok", "\udfff"], "holds text that is not valid Unicode (a lone surrogate)"),
        ([["deep", {"k": "\ud800"}]], "holds text that is not valid Unicode (a lone surrogate)"),
        ({"\ud800": 1}, "holds text that is not valid Unicode (a lone surrogate)"),
        ("x" * (MAX_STRING_ARGUMENT + 1), f"holds text longer than {MAX_STRING_ARGUMENT} characters"),
        (["x" * 66_000], f"holds text longer than {MAX_STRING_ARGUMENT} characters"),
        (float("nan"), "holds a number that is not finite"),
        ([float("inf")], "holds a number that is not finite"),
    ],
)
def test_validate_arguments_refuses_unusable_values(value: object, problem: str) -> None:
    args = {"v": {"type": "any"}}
    with pytest.raises(ToolError) as caught:
        validate_arguments(args, ("v",), {"v": value})
    assert str(caught.value) == f"argument 'v' {problem}"


def test_validate_arguments_accepts_text_up_to_the_bound() -> None:
    args = {"v": {"type": "string"}}
    text = "é😀" + "x" * (MAX_STRING_ARGUMENT - 2)
    assert validate_arguments(args, ("v",), {"v": text}) == {"v": text}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "arguments are nested too deeply"),
        ('{"expression": 1' + "0" * 5000 + "}", "arguments are not valid JSON: a value is too large"),
    ],
)
def test_arguments_json_that_cannot_be_read_is_a_tool_error(raw: str, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        parse_arguments(raw)


async def test_bad_argument_json_never_ends_the_call() -> None:
    tool = calculator_tool()
    assert await tool.run("[" * 100_000) == "Error: arguments are nested too deeply"
    assert await tool.run('{"expression": "\\ud800"}') == (
        "Error: argument 'expression' holds text that is not valid Unicode (a lone surrogate)"
    )
    many = {f"x{i}": 1 for i in range(50)}
    text = await tool.run({"expression": "1", **many})
    assert text.startswith("Error: unknown argument(s): ") and text.endswith(", ...") and len(text) < 200


def test_storable_text() -> None:
    assert storable_text("plain é 😀") == "plain é 😀"
    assert storable_text("a\ud800b\udfff") == "a\ufffdb\ufffd"
    assert storable_text("\ud83d\ude00") == "😀"  # a pair held as two code points is joined
    assert storable_text("nul\x00here") == "nul\ufffdhere"


async def test_a_tool_result_is_made_storable() -> None:
    async def echo(arguments: dict[str, object]) -> str:
        return "got \ud800"

    async def fail(arguments: dict[str, object]) -> str:
        raise ToolError("bad \udc00 input\x00")

    ok = await Tool(name="t", description="d", args={}, func=echo).call({})
    assert (ok.text, ok.error) == ("got \ufffd", False)
    failed = await Tool(name="t", description="d", args={}, func=fail).call({})
    assert (failed.text, failed.error) == ("Error: bad \ufffd input\ufffd", True)


@pytest.mark.parametrize("zone", ["\ud800", "Europe/\udc00Paris", "UTC\x00", "Zürich"])
async def test_a_timezone_that_is_not_a_zone_name_is_an_error_text(zone: str) -> None:
    text = await current_date_tool(now=lambda: FIXED).run({"timezone": zone})
    assert text.startswith("Error: ")
    text.encode("utf-8")
    assert "\x00" not in text


def test_current_date_zone_messages_are_storable() -> None:
    from flowql.engine.tools.current_date import current_date_text

    with pytest.raises(ToolError) as caught:
        current_date_text("\ud800", now=lambda: FIXED)
    assert str(caught.value) == "Unknown timezone '\ufffd'"


def _vertex_with_tools(entries: list[dict[str, object]]) -> Vertex:
    return Vertex(
        id="T-1",
        type="URLComponent",
        display_name="URL",
        template={"tools_metadata": {"value": entries}},
        outputs=["component_as_tool"],
        custom_fields={},
        index=0,
    )


@pytest.mark.parametrize(
    ("status", "enabled"),
    [
        (True, True),
        (None, True),
        ("", True),
        ("true", True),
        ("True", True),
        (1, True),
        (False, False),
        ("false", False),
        ("False", False),
        ("0", False),
        (0, False),
        ("off", False),
    ],
)
def test_tool_status_is_read_as_a_boolean(status: object, enabled: bool) -> None:
    entry: dict[str, object] = {"name": "fetch_content", "description": "d", "args": {}}
    if status is not None:
        entry["status"] = status
    names = [e["name"] for e in tool_entries(_vertex_with_tools([entry]), {"name": "x", "args": {}})]
    assert names == (["fetch_content"] if enabled else [])


@pytest.mark.parametrize(
    ("arguments", "shown"),
    [
        ('{"expression": "1+1"}', {"expression": "1+1"}),
        ('{"words": "\\ud800"}', {"words": "\ufffd"}),
        ("[1, 2]", "[1, 2]"),
        ("not json", "not json"),
        ("[" * 100_000, "[" * 100_000),
        ("9" * 5000, "9" * 5000),
        ("", {}),
    ],
)
def test_agent_steps_show_tool_input_as_a_storable_object(arguments: str, shown: object) -> None:
    assert tool_input_block(arguments) == shown


def test_array_items_must_have_the_declared_type() -> None:
    args = {"urls": {"type": "array", "items": {"type": "string"}}}
    assert validate_arguments(args, ("urls",), {"urls": ["https://a.example"]}) == {
        "urls": ["https://a.example"]
    }
    with pytest.raises(ToolError, match="'urls' must be an array of string"):
        validate_arguments(args, ("urls",), {"urls": [["a"], {"b": 1}]})


@pytest.mark.parametrize("text", ["NaN", '{"a": Infinity}', "[-Infinity]", '{"a": 1e400}'])
def test_loads_finite_refuses_what_no_json_response_can_carry(text: str) -> None:
    with pytest.raises(ValueError):
        loads_finite(text)


def test_loads_finite_reads_ordinary_json() -> None:
    assert loads_finite('{"a": 1.5, "b": [1, "x", null]}') == {"a": 1.5, "b": [1, "x", None]}
