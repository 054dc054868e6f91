"""Terminal outputs fit in 100 columns (`prices show`, `reprice --as`, `estimate`) and lose nothing on the
way: wide tables print in blocks of columns, each rule's time window goes under it, prose wraps and a long
URL breaks after a `/`."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import cli
from costcalc.prices import load_prices
from costcalc.text_tables import render, wrap

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 100


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_fits(text: str) -> None:
    too_wide = [(len(line), line) for line in text.splitlines() if len(line) > WIDTH]
    assert not too_wide, too_wide[:3]


def joined(text: str) -> str:
    """The output with its line breaks and indents removed: what was wrapped reads whole again."""
    return "".join(line.strip() for line in text.splitlines())


def words(text: str) -> str:
    return " ".join(text.split())


# -- the helpers ----------------------------------------------------------------------------------------

def test_wrap_breaks_at_spaces_and_a_long_url_after_a_slash():
    url = "https://example.com/" + "/".join([f"segment{i:02d}" for i in range(12)]) + "/end.md"  # 152 chars
    lines = wrap(f"see {url} and then some words", width=60, initial="  - ")
    assert all(len(line) <= 60 for line in lines)
    assert lines[0].startswith("  - see https://example.com/")
    # each piece of the URL ends at a `/` (but the last), and no space went inside it
    assert url in "".join(line.strip() + ("" if line.endswith("/") else " ") for line in lines)
    assert words(" ".join(lines)).replace("/ ", "/").startswith(f"- see {url} and then some words")


def test_a_wide_table_prints_in_blocks_that_repeat_the_key_columns():
    headers = ("name", "a", "b", "c")
    rows = [("first", "1" * 30, "2" * 30, "3" * 30), ("second", "4", "5", "6")]
    text = render(headers, rows, width=80, keep=1)
    blocks = text.split("\n\n")
    assert len(blocks) == 2
    # name(6) + a(30) + b(30) + 2 gaps = 70 <= 80; adding c would make 102
    assert blocks[0].splitlines()[0].split() == ["name", "a", "b"]
    assert blocks[1].splitlines()[0].split() == ["name", "c"]
    assert blocks[1].splitlines()[3].split() == ["second", "6"]
    assert_fits(text)
    assert render(headers, rows) == render(headers, rows, width=200)  # fits: one block, as before


# -- prices show -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def table():
    return load_prices()


@pytest.mark.slow
def test_prices_show_fits_for_every_bundled_model_and_keeps_every_fact(table):
    for model in table.models.values():
        text = run("prices", "show", model.id)
        assert_fits(text)
        flat, squeezed = words(text), joined(text)
        for rule in model.rules:
            assert words(f"when: {rule.when.describe()}") in flat, (model.id, rule.label)
        for modifier in model.modifiers:
            assert words(f"when: {modifier.when.describe()}") in flat, (model.id, modifier.label)
        for note in model.notes + table.providers[model.provider].notes:
            assert words(note) in flat, (model.id, note[:40])
        for source in {r.source for r in model.rules} | {m.source for m in model.modifiers}:
            assert source in squeezed, (model.id, source)  # a long URL's pieces, end to end


def test_prices_show_deepseek_rules_read_one_per_row_with_the_window_under_it():
    lines = run("prices", "show", "deepseek-v4-pro").splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Price rules")))
    assert lines[start + 1].split() == ["rule", "input", "cache_read", "write_5m", "write_1h", "output", "checked"]
    # the promotion row (rates from pricing.yaml: 75% off list 1.74 / 0.145 / 3.48) and its window
    promo = lines.index("  promo (promotion of list)  0.435     0.03625    =input    =input    0.87  2026-12-01")
    assert lines[promo + 1] == "      when: 2026-04-25 16:57Z → 2026-04-26 12:15Z"


# -- reprice --as and estimate ---------------------------------------------------------------------------

LOGS = sorted(glob.glob(str(ROOT / "examples" / "usage" / "*.jsonl")))


@pytest.mark.parametrize("extra", [
    ["--as", "deepseek-v4-pro", "--as", "claude-opus-4-7", "--by", "month"],
    ["--as", "deepseek-v4-pro", "--as", "claude-opus-4-7", "--as", "gpt-5.5", "--by", "day", "--by", "tag:team"],
    [],
])
def test_reprice_text_fits_and_shows_every_row(extra):
    import costcalc
    from costcalc.money import cents

    text = run("reprice", *LOGS, *extra)
    assert_fits(text)
    # every row's cost (rounded on its own) shows on the row's line in the first block
    models = [a for i, a in enumerate(extra) if i and extra[i - 1] == "--as"]
    by = [a for i, a in enumerate(extra) if i and extra[i - 1] == "--by"] or ["month"]
    rows = costcalc.reprice([Path(p) for p in LOGS], models=models or None, by=by)
    first_block = text.split("\n\n")[1].splitlines()
    assert len(first_block) == 2 + len(rows)
    for line, (_, row) in zip(first_block[2:], rows.iterrows()):
        cells = line.split()
        assert cells[0] == str(row[by[0]])[:10] and row["priced_as"] in cells[1:3]
        assert cells[cells.index(row["priced_as"]) + 1].startswith(row["model"])
        assert f"{cents(row['cost_usd']):,.2f}" in cells


def test_estimate_text_fits():
    assert_fits(run("estimate"))
    assert_fits(run("estimate", "--months", "3", "--scenario", "list"))
