"""A DataFrame of profiles: its cells read as the YAML parser reads them, its problems named by row and
column. tree.py reads plain words (names, tags, time zones) and lists of numbers (traffic hours) without
the parser and rows without a Series each; these tests hold those shortcuts to the parser's answers and
to the error lines a user sees."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from costcalc._yamlnodes import parse
from costcalc.errors import InputError
from costcalc.workloads import load_workloads
from costcalc.workloads.tree import _NUMBER_LIST, _PLAIN_WORD, cell, set_line

MODELS = ["gpt-5.5", "gpt-5.4"]


def _shape(node):
    """Everything a reader looks at in a Node."""
    inner = [_shape(n) for n in node.value] if node.kind == "seq" else (node.value, type(node.value))
    return node.kind, node.line, node.quoted, node.key_above, inner


def _parsed(text: str, line: int):
    node = parse(text, "<DataFrame>")
    set_line(node, line)
    return _shape(node)


# every word YAML 1.1's resolvers could claim (bools, nulls), near misses, and ordinary names
WORDS = ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On",
         "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "null", "Null", "NULL", "nULL", "tRue", "offf", "e5", "E5",
         "inf", "nan", "NaN", "profile-0001", "Europe/Berlin", "America/New_York", "gpt-5.5", "a+b", "x_1"]


@pytest.mark.parametrize("word", WORDS)
def test_a_plain_word_is_what_the_parser_makes_of_it(word):
    assert _PLAIN_WORD.fullmatch(word)
    assert _shape(cell(word, "<DataFrame>", 7)) == _parsed(word, 7)


@pytest.mark.parametrize("text", ["[]", "[ ]", "[0]", "[1,2]", "[0, 1, 2, 4]", "[1,  2 ]",
                                  "[1.5,2.50 , 010, 0.0, 1.2.3, 09, 08, 0.]", "[1. , 2..]"])
def test_a_list_of_numbers_is_what_the_parser_makes_of_it(text):
    assert _NUMBER_LIST.fullmatch(text)
    assert _shape(cell(text, "<DataFrame>", 3)) == _parsed(text, 3)


def test_yes_and_octal_read_as_yaml_reads_them():
    # by hand: YAML 1.1 reads `Off` as false, `010` as octal 8, `09` (not octal) as text
    assert cell("Off", "<DataFrame>", 1).value is False
    assert [n.value for n in cell("[010, 09, 2.50]", "<DataFrame>", 1).value] == [8, "09", Decimal("2.50")]


def _frame(**columns) -> pd.DataFrame:
    base = {"name": ["a", "b"], "requests_per_day": [10, 20], "input_tokens": [100, 200],
            "output_tokens": [5, 6], "models": ["gpt-5.5", "gpt-5.5"]}
    return pd.DataFrame({**base, **columns})


def _error(frame: pd.DataFrame) -> str:
    with pytest.raises(InputError) as caught:
        load_workloads(frame, known_models=MODELS)
    return str(caught.value)


HOURS = "[0, 1, 2, 4, 0, 1, 2, 4, 0, 1, 2, 4, 0, 1, 2, 4, 0, 1, 2, 4, 0, 1, 2, 4]"


@pytest.mark.parametrize("columns, message", [
    ({"cache_hit_rate": [0.5, 1.5]},
     "<DataFrame>:2: profiles.b.cache_hit_rate: 1.5: must be a share between 0 and 1, or {low, expected, high}"),
    ({"tags.team": ["x", "yes"]}, "<DataFrame>:2: profiles.b.tags.team: True: must be a short text value"),
    ({"models": [["gpt-5.5"], ["gpt-5.4", "gpt-5.9"]]},
     "<DataFrame>:2: profiles.b.models[1]: 'gpt-5.9': unknown model; did you mean gpt-5.5, gpt-5.4?"),
    ({"models": ["gpt-5.5", "gpt-5.5;gpt-5.5"]}, "<DataFrame>:2: profiles.b.models[1]: 'gpt-5.5': listed twice"),
    ({"traffic.hours": [HOURS, "[1, 2]"]}, "<DataFrame>:2: profiles.b.traffic.hours: 2: must list 24 weights (0..23)"),
    ({"traffic.timezone": ["UTC", "Mars/Base"]},
     "<DataFrame>:2: profiles.b.traffic.timezone: 'Mars/Base': unknown time zone; use an IANA name like UTC, "
     "Asia/Shanghai, America/New_York"),
    ({"requests_per_day": [1, True]},
     "<DataFrame>:2: profiles.b.requests_per_day: True: must be a count >= 0, or {low, expected, high}"),
])
def test_a_bad_cell_names_its_row_column_and_value(columns, message):
    assert _error(_frame(**columns)) == message


# an infinity or NaN a float or Decimal cell can hold (YAML's .inf/.nan are refused as text); a quiet NaN is a
# missing cell, as pandas reads it. These gave a traceback (OverflowError, InvalidOperation) before.
@pytest.mark.parametrize("column, value, shown, allowed", [
    ("requests_per_day", float("inf"), "Infinity", "must be a count >= 0, or {low, expected, high}"),
    ("requests_per_day", Decimal("sNaN"), "sNaN", "must be a count >= 0, or {low, expected, high}"),
    ("input_tokens", Decimal("Infinity"), "Infinity",
     "must be a token count >= 0, {low, expected, high}, or {histogram: [...]}"),
    ("output_tokens", float("-inf"), "-Infinity", "must be a count >= 0, or {low, expected, high}"),
    ("cache_hit_rate", Decimal("-sNaN"), "-sNaN", "must be a share between 0 and 1, or {low, expected, high}"),
])
def test_an_infinite_or_signalling_cell_is_one_error_line(column, value, shown, allowed):
    first_row = {"requests_per_day": 10, "input_tokens": 100, "output_tokens": 5, "cache_hit_rate": 0.5}
    frame = _frame(**{column: [first_row[column], value]})
    assert _error(frame) == f"<DataFrame>:2: profiles.b.{column}: {shown}: {allowed}"


def test_cells_read_exactly():
    frame = _frame(cache_hit_rate=[0.6, 0.3], **{"traffic.hours": [HOURS, None], "tags.team": ["search", None],
                                                 "traffic.timezone": ["Europe/Berlin", None]})
    frame["models"] = ["gpt-5.5;gpt-5.4", "gpt-5.4"]
    a, b = load_workloads(frame, known_models=MODELS)
    assert a.models == ("gpt-5.5", "gpt-5.4") and b.models == ("gpt-5.4",)
    assert a.cache_hit_rate == Decimal("0.6")  # the float 0.6 as its shortest text, exact from then on
    assert a.requests_per_day == Decimal(10) and a.tags == (("team", "search"),) and b.tags == ()
    assert a.traffic.timezone == "Europe/Berlin" and a.traffic.hours == tuple(Decimal(h) for h in [0, 1, 2, 4] * 6)
    assert b.traffic.hours == (Decimal(1),) * 24  # not given: uniform


def test_rows_without_text_read_as_before():
    # an all-number frame is one float block: each row a float Series, so the name 1 reads as 1.0
    assert _error(pd.DataFrame({"name": [1.0], "requests_per_day": [10]})) == \
        "<DataFrame>:1: profiles.1.0.models: is required"
    # a row whose cells are all text
    text = pd.DataFrame({k: pd.Series([v], dtype=object) for k, v in
                         {"name": "a", "models": "gpt-5.5", "input_tokens": "100", "output_tokens": "5",
                          "requests_per_day": "7"}.items()})
    (profile,) = load_workloads(text, known_models=MODELS)
    assert (profile.requests_per_day, profile.input_tokens, profile.output_tokens) == (7, 100, 5)


def test_numpy_floats_in_an_object_column_read_as_their_value():
    """numpy 2 writes a float64 as "np.float64(2.5)": the cell is read as the float it holds, not refused
    with a traceback."""
    import numpy as np

    frame = pd.DataFrame({"name": ["a"], "models": ["gpt-5.5"], "input_tokens": [100], "output_tokens": [5],
                          "requests_per_day": pd.Series([np.float64(2.5)], dtype=object),
                          "cache_hit_rate": pd.Series([np.float64(0.25)], dtype=object)})
    profile = load_workloads(frame, known_models=MODELS).profiles[0]
    assert profile.requests_per_day == Decimal("2.5") and profile.cache_hit_rate == Decimal("0.25")
