"""The `KEY OP VALUE` parser: grammar, round trips, and that no input executes anything."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlstats.errors import InputError
from mlstats.expr import Expr, parse

OPS = ["<", "<=", ">", ">=", "==", "!="]
bare = st.text(st.characters(blacklist_characters=' .<>=!"\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0'
                                                    '\u1680\u2000\u2001\u2002\u2003\u2004\u2005'
                                                    '\u2006\u2007\u2008\u2009\u200a\u2028\u2029'
                                                    '\u202f\u205f\u3000',
                             blacklist_categories=("Cs",)), min_size=1, max_size=8)
quoted = st.text(st.characters(blacklist_characters='"', blacklist_categories=("Cs",)),
                 min_size=1, max_size=8)
values = st.one_of(st.booleans(), st.floats(allow_nan=False, allow_infinity=False),
                   st.integers(-10**9, 10**9).map(float))


@pytest.mark.parametrize(("text", "path", "op", "value"), [
    ("r2 >= 0.9", ("r2",), ">=", 0.9),
    ("r2>=0.9", ("r2",), ">=", 0.9),
    ("coefficients.price.p_value < 0.05", ("coefficients", "price", "p_value"), "<", 0.05),
    ('columns."Solar R".mean != -1e3', ("columns", "Solar R", "mean"), "!=", -1000.0),
    ("significant == true", ("significant",), "==", True),
    ("converged == false", ("converged",), "==", False),
    ("  n > .5  ", ("n",), ">", 0.5),
])
def test_valid_expressions(text, path, op, value):
    expr = parse(text)
    assert (expr.path, expr.op, expr.value) == (path, op, value)
    assert type(expr.value) is type(value)


@pytest.mark.parametrize("text", [
    "r2", "r2 >", ">= 0.9", "r2 => 0.9", "r2 >= abc", "r2 >= 0.9 extra", "r2 = 0.9",
    "r2 >= nan", "r2 >= inf", "r2 >= 1e999", "",
    'a."b >= 1',
])
def test_malformed_expressions_are_input_errors(text):
    with pytest.raises(InputError, match="--assert"):
        parse(text)


@given(st.text(max_size=60))
@settings(max_examples=500, deadline=None)
def test_any_text_parses_or_is_an_input_error(text):
    # Whatever the text, the parser returns an Expr or refuses it; it never raises anything else
    # (and, having no eval, never runs it).
    try:
        expr = parse(text)
    except InputError:
        return
    assert isinstance(expr, Expr) and expr.op in OPS


@given(st.lists(st.one_of(bare, quoted), min_size=1, max_size=4), st.sampled_from(OPS), values)
@settings(max_examples=300, deadline=None)
def test_round_trip(segments, op, value):
    from mlstats.expr import format_path, format_value

    text = f"{format_path(tuple(segments))} {op} {format_value(value)}"
    expr = parse(text)
    assert expr.path == tuple(segments)
    assert expr.op == op
    assert expr.value == value and type(expr.value) is type(value)
    assert parse(str(expr)) == parse(text).__class__(expr.path, expr.op, expr.value, str(expr))


def test_code_is_only_ever_a_key_name():
    expr = parse("__import__('os').system('x') == 1")
    assert expr.path == ("__import__('os')", "system('x')")


def test_holds_compares_exactly_and_refuses_ordering_booleans():
    assert parse("x == 0.1").holds(0.1)
    assert not parse("x == 0.1").holds(0.1 + 1e-17 * 20)
    assert parse("x != true").holds(False)
    assert not parse("x == true").holds(1.0)
    with pytest.raises(InputError, match="cannot order true/false"):
        parse("x > true").holds(True)
