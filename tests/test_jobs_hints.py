"""`--jobs N` gives "did you mean" to the run's first 20 unknown (provider, model) names, as one process does:
each worker counts its own file's, so the parent decides over the files in order (api_jobs._rehinted). The
logs are costcalc JSON lines written here, one record a line, each hint worked out below by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costcalc.api_jobs import reprice_files
from costcalc.prices.names import SUGGEST_FOR, Hint, hinted_over

from .test_jobs import _cli
from .test_reprice_blocks import TYPO_HINT, UNKNOWN

AT = "2026-06-02T10:00:00Z"
TYPO = "unknown model 'gpt-5.5-typo'"


def _log(path: Path, pairs: list[tuple[str, str]]) -> str:
    path.write_text("".join(json.dumps({"timestamp": AT, "provider": provider, "model": model, "input_tokens": 10,
                                        "output_tokens": 1}) + "\n" for provider, model in pairs))
    return str(path)


def _lines(table, files: list[str], jobs: int) -> list[str]:
    return [str(p) for p in reprice_files(files, table, jobs=jobs).problems]


def _zz(first: int, last: int) -> list[tuple[str, str]]:
    """acme's zz<first>..zz<last>: unknown names with no near model (their error is the same either way)."""
    return [("acme", f"zz{i}") for i in range(first, last + 1)]


def test_the_run_hints_its_first_20_unknown_names_over_the_files(table, tmp_path):
    # a: zz0-zz11 (the run's 1st-12th unknown names). b: zz12-zz18 (13th-19th), then the typo (20th: hinted),
    # then zz19-zz22. c: zz0 again (met in a), a second typo under zeta (21st: not hinted). b's worker alone
    # hinted its typo (its 8th) and c's worker its zeta typo (its 2nd).
    a = _log(tmp_path / "a.jsonl", _zz(0, 11))
    b = _log(tmp_path / "b.jsonl", _zz(12, 18) + [("acme", "gpt-5.5-typo")] + _zz(19, 22))
    c = _log(tmp_path / "c.jsonl", [("acme", "zz0"), ("zeta", "gpt-5.5-typo")])
    one, two = _lines(table, [a, b, c], 1), _lines(table, [a, b, c], 2)
    assert two == one
    assert one[19] == f"{b}:8: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"
    assert one[-1] == f"{c}:2: model: 'gpt-5.5-typo': {TYPO}{UNKNOWN}"
    assert len(one) == 12 + 12 + 2


def test_a_model_under_two_providers_keeps_each_pairs_hint(table, tmp_path):
    # a: zz0-zz18 (19 unknown names). b: acme's typo (20th: hinted), zeta's typo (21st: not), acme's again (line
    # 3: hinted). b's worker hinted both pairs; which one loses the hint is told apart by the record's provider.
    a = _log(tmp_path / "a.jsonl", _zz(0, 18))
    b = _log(tmp_path / "b.jsonl", [("acme", "gpt-5.5-typo"), ("zeta", "gpt-5.5-typo"), ("acme", "gpt-5.5-typo")])
    one, two = _lines(table, [a, b], 1), _lines(table, [a, b], 2)
    assert two == one
    assert one[19:] == [f"{b}:1: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}",
                        f"{b}:2: model: 'gpt-5.5-typo': {TYPO}{UNKNOWN}",
                        f"{b}:3: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"]


def test_a_name_hinted_in_an_earlier_file_keeps_its_hint(table, tmp_path):
    # a: the typo (1st: hinted). b: zz0-zz18 (2nd-20th: hinted), then the typo again (met in a: hinted), zz19
    # (21st: not). b's worker hinted zz0-zz18 and the typo; the run gives the same.
    a = _log(tmp_path / "a.jsonl", [("acme", "gpt-5.5-typo")])
    b = _log(tmp_path / "b.jsonl", _zz(0, 18) + [("acme", "gpt-5.5-typo"), ("acme", "zz19")])
    one, two = _lines(table, [a, b], 1), _lines(table, [a, b], 2)
    assert two == one
    assert one[0] == f"{a}:1: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"
    assert one[-2] == f"{b}:20: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"


def test_a_name_hinted_in_an_earlier_file_keeps_its_hint_past_a_workers_first_20(table, tmp_path):
    # a: acme's typo (1st: hinted). b: zz0-zz19 (2nd-21st: zz0-zz18 hinted), then the typo again: b's worker
    # met it as its 21st unknown name and gave it no hint; one process hinted it in a.
    a = _log(tmp_path / "a.jsonl", [("acme", "gpt-5.5-typo")])
    b = _log(tmp_path / "b.jsonl", _zz(0, 19) + [("acme", "gpt-5.5-typo")])
    one, two = _lines(table, [a, b], 1), _lines(table, [a, b], 2)
    assert two == one
    assert one[-1] == f"{b}:21: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"


def test_the_problems_kept_past_a_workers_first_hinted_ones(table, tmp_path):
    # a: zz0-zz18 (19 unknown names). b: 1,200 lines alternating zeta's typo (line 1: the 20th unknown name,
    # hinted) and acme's (the 21st: not hinted); b's worker hinted both. The run keeps a's 19 problems and b's
    # first 981, every one of which b's worker hinted: each is told apart by its provider.
    a = _log(tmp_path / "a.jsonl", _zz(0, 18))
    b = _log(tmp_path / "b.jsonl", [("zeta" if n % 2 else "acme", "gpt-5.5-typo") for n in range(1, 1201)])
    one, two = _lines(table, [a, b], 1), _lines(table, [a, b], 2)
    assert two == one
    assert len(one) == 1000
    assert one[19:21] == [f"{b}:1: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}",
                          f"{b}:2: model: 'gpt-5.5-typo': {TYPO}{UNKNOWN}"]
    assert one[-1] == f"{b}:981: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"


def _hints(*names: str) -> list[Hint]:
    return [Hint("acme", name, "plain", "hinted") for name in names]


def test_hinted_over_takes_the_first_new_names_of_each_part_in_order():
    first = _hints(*(f"a{i}" for i in range(15)))
    # the second part met a0-a4 first (not new), then b0-b19: the run's 16th-20th are b0-b4
    second = _hints(*(f"a{i}" for i in range(5)), *(f"b{i}" for i in range(15)))
    hinted = hinted_over([first, second])
    assert len(hinted) == SUGGEST_FOR
    assert hinted == {("acme", f"a{i}") for i in range(15)} | {("acme", f"b{i}") for i in range(5)}
    assert hinted_over([[], _hints("x")]) == {("acme", "x")}


@pytest.mark.slow
def test_the_cli_says_the_same_with_two_jobs(tmp_path):
    # through `python -m costcalc` (what --help promises: the same output, totals and problems as one process)
    a = _log(tmp_path / "a.jsonl", _zz(0, 18))
    b = _log(tmp_path / "b.jsonl", [("acme", "gpt-5.5-typo"), ("zeta", "gpt-5.5-typo"), ("acme", "gpt-5.5")])
    one = _cli(a, b, "--format", "json")
    two = _cli(a, b, "--format", "json", "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert (two.stdout, two.stderr) == (one.stdout, one.stderr)
    problems = json.loads(one.stdout)["problems"]
    assert [p["message"] for p in problems[19:]] == [TYPO + TYPO_HINT, TYPO + UNKNOWN]
