"""`--engine duckdb` gives the run's first 20 unknown names "did you mean" as the local pricer does (revU 2): in
the order one pass over each slice resolves its names (by provider, then model, each numbered as first met in
the slice; slices in the order the reader's chunks bring them), not sorted by name. The same log, as a frame and
as CSV, Parquet and JSON-lines files, gives the same problems and assumptions on both engines."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from costcalc.engines.duckdb import reprice_chunks_duckdb, reprice_files_duckdb
from costcalc.usage.chunk import UsageChunk
from costcalc.usage.read import iter_usage
from costcalc.usage.run import reprice_chunks

from .test_reprice import usage
from .test_reprice_blocks import AS, MIMI_HINT, TYPO_HINT, UNKNOWN, _names_log, _record

pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _log() -> pd.DataFrame:
    """22 records. Row 1 acme's gpt-5.5 (known); rows 2-20 acme's zz0-zz18 (19 unknown names, no near model);
    row 21 zeta's gpt-5.5-typo; row 22 acme's gpt-5.4-mimi.

    One slice: acme is provider 0, zeta 1. acme's zz0-zz18 are the 1st-19th unknown names, its mimi the 20th
    (hinted), zeta's typo the 21st (not hinted). Sorted by name (what DuckDB did) acme's mimi came first and
    zeta's typo last: the same answer, by chance. Chunks of 20 records: rows 21-22 are the second slice, where
    zeta (row 21) is provider 0: its typo is the 20th unknown name (hinted) and mimi the 21st (not)."""
    records = [_record("acme", "gpt-5.5")] + [_record("acme", f"zz{i}") for i in range(19)]
    records += [_record("zeta", "gpt-5.5-typo"), _record("acme", "gpt-5.4-mimi")]
    return usage(*records)


TYPO = "unknown model 'gpt-5.5-typo'"
MIMI = "unknown model 'gpt-5.4-mimi'"


def _said(result) -> tuple[list[str], list[str]]:
    return [str(p) for p in result.problems], result.assumptions


def _write(frame: pd.DataFrame, path, kind: str) -> None:
    text = frame.drop(columns=["source", "line"])
    if kind == "parquet":
        pq.write_table(pa.Table.from_pandas(text, preserve_index=False), path)
        return
    text = text.assign(timestamp=text["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if kind == "csv":
        text.assign(residency=text["residency"].map({True: "true", False: "false"})).to_csv(path, index=False)
    else:
        path.write_text("".join(json.dumps(row) + "\n" for row in text.to_dict("records")))


@pytest.mark.parametrize("kind", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("chunk", [20, 250_000])
def test_a_log_file_gets_the_hints_of_a_local_run(table, tmp_path, kind, chunk):
    path = tmp_path / f"log.{kind}"
    _write(_log(), path, kind)
    local = reprice_chunks(iter_usage([path], chunk_records=chunk), table, AS, sources=[str(path)])
    engine = reprice_files_duckdb([path], table, AS, chunk_records=chunk)
    assert _said(engine) == _said(local)
    problems = _said(local)[0]
    typo, mimi = (TYPO + TYPO_HINT, MIMI + UNKNOWN) if chunk == 20 else (TYPO + UNKNOWN, MIMI + MIMI_HINT)
    assert problems[-2:] == [f"{path}:{21 + (kind == 'csv')}: model: 'gpt-5.5-typo': {typo}",
                             f"{path}:{22 + (kind == 'csv')}: model: 'gpt-5.4-mimi': {mimi}"]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_slices_within_a_chunk_get_the_hints_of_a_local_run(table, tmp_path, monkeypatch, kind):
    # slices of 20 records inside one chunk of 250,000 (usage.run.slices' default, and what DuckDB's file
    # path numbers rows by): rows 21-22 are the second slice, as with chunks of 20 above
    from costcalc.engines import duckdb_files
    from costcalc.usage import run

    monkeypatch.setattr(run.slices, "__defaults__", (20,))
    monkeypatch.setattr(duckdb_files, "SLICE_RECORDS", 20)
    path = tmp_path / f"log.{kind}"
    _write(_log(), path, kind)
    local = reprice_chunks(iter_usage([path], chunk_records=250_000), table, AS, sources=[str(path)])
    engine = reprice_files_duckdb([path], table, AS, chunk_records=250_000)
    assert _said(engine) == _said(local)
    assert _said(local)[0][-2:] == [f"{path}:{21 + (kind == 'csv')}: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}",
                                    f"{path}:{22 + (kind == 'csv')}: model: 'gpt-5.4-mimi': {MIMI}{UNKNOWN}"]


def _settled_slices(monkeypatch) -> list[list[tuple[str, str]]]:
    """The (provider, model) pairs of each slice the DuckDB engine settles names from, as they come."""
    from costcalc.engines import duckdb as engine_module

    seen: list[list[tuple[str, str]]] = []
    settle = engine_module.settle_names

    def settle_and_see(names, part):
        seen.append(list(zip(part["provider"], part["model"])))
        settle(names, part)

    monkeypatch.setattr(engine_module, "settle_names", settle_and_see)
    return seen


def test_a_files_names_are_settled_from_each_slices_distinct_pairs(table, tmp_path, monkeypatch):
    # 23 records, 1 of them a repeat, 21 unknown names (more than the 20 hints): the slices handed over hold
    # each (provider, model) once, in the order of its first line (a big file's rows never all made a frame)
    seen = _settled_slices(monkeypatch)
    records = [_record("zeta", "gpt-5.5-typo"), _record("acme", "gpt-5.5"), _record("zeta", "gpt-5.5-typo")]
    frame = usage(*(records + [_record("acme", f"zz{i}") for i in range(20)]))
    path = tmp_path / "log.parquet"
    _write(frame, path, "parquet")
    engine = reprice_files_duckdb([path], table, AS, chunk_records=250_000)
    assert seen == [[("zeta", "gpt-5.5-typo"), ("acme", "gpt-5.5")] + [("acme", f"zz{i}") for i in range(20)]]
    local = reprice_chunks(iter_usage([path]), table, AS, sources=[str(path)])
    assert _said(engine) == _said(local)


def test_no_more_unknown_names_than_hints_needs_no_slices(table, tmp_path, monkeypatch):
    # 20 unknown names, 20 hints: each is hinted whatever the order, so no slice is made or coded
    seen = _settled_slices(monkeypatch)
    frame = usage(*([_record("zeta", "gpt-5.5-typo")] + [_record("acme", f"zz{i}") for i in range(19)]))
    path = tmp_path / "log.parquet"
    _write(frame, path, "parquet")
    engine = reprice_files_duckdb([path], table, AS, chunk_records=250_000)
    assert seen == []
    problems = _said(engine)[0]
    assert problems[0] == f"{path}:1: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"
    local = reprice_chunks(iter_usage([path]), table, AS, sources=[str(path)])
    assert _said(engine) == _said(local)


def _zeta_first() -> pd.DataFrame:
    """zeta (row 1) is provider 0 of one pass: its typo is the 1st unknown name (hinted); acme's zz0-zz19 the
    2nd-21st, its mimi (row 22) the 22nd: not hinted. Sorted by name, acme's mimi came first, zeta's typo last."""
    records = [_record("zeta", "gpt-5.5-typo")] + [_record("acme", f"zz{i}") for i in range(20)]
    records.append(_record("acme", "gpt-5.4-mimi"))
    return usage(*records)


def test_a_frame_gets_the_hints_of_a_local_run(table):
    frame = _zeta_first()
    local = reprice_chunks([UsageChunk(frame, len(frame), [])], table, AS)
    engine = reprice_chunks_duckdb([UsageChunk(frame, len(frame), [])], table, AS)
    assert _said(engine) == _said(local)
    problems = _said(local)[0]
    assert problems[0] == f"log.jsonl:1: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"
    assert problems[-1] == f"log.jsonl:22: model: 'gpt-5.4-mimi': {MIMI}{UNKNOWN}"


def test_names_and_notes_of_chunks_in_a_run_as_local(table):
    # the blocked pricer's 21 unknown names and every kind of note, in two chunks: the run's first 20 unknown
    # names are counted chunk after chunk (tests/test_reprice_blocks.py works the hints out by hand)
    frame = _names_log()
    chunks = [UsageChunk(frame.iloc[:22], 22, []), UsageChunk(frame.iloc[22:], len(frame) - 22, [])]
    local = reprice_chunks(chunks, table, AS)
    engine = reprice_chunks_duckdb(chunks, table, AS)
    assert _said(engine) == _said(local)
    assert [str(p) for p in local.problems][-2:] == [f"log.jsonl:23: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}",
                                                     f"log.jsonl:24: model: 'gpt-5.4-mimi': {MIMI}{UNKNOWN}"]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_the_cli_says_the_same_on_either_engine(tmp_path, kind):
    from click.testing import CliRunner

    from costcalc.cli import cli

    path = tmp_path / f"log.{kind}"
    _write(_zeta_first(), path, kind)
    local, engine = (CliRunner().invoke(cli, ["reprice", str(path), "--as", "gpt-5.5", "--format", "json", *engine])
                     for engine in ([], ["--engine", "duckdb"]))
    assert local.exit_code == engine.exit_code == 1  # records reported
    assert (engine.stdout, engine.stderr) == (local.stdout, local.stderr)
    problems = json.loads(local.stdout)["problems"]
    assert [(p["line"], p["message"]) for p in (problems[0], problems[-1])] == \
        [(1 + (kind == "csv"), TYPO + TYPO_HINT), (22 + (kind == "csv"), MIMI + UNKNOWN)]


def _text_log(path, kind: str, rows: list[tuple[str, str, str]]) -> None:
    """A log of (provider, model, input_tokens as written) at one instant, every cell text: a count written
    12.0 or 12.5 is a suspect DuckDB hands to costcalc's reader (good: 12 tokens; bad: not a whole number)."""
    columns = {"timestamp": ["2026-06-10T00:00:00Z"] * len(rows), "provider": [r[0] for r in rows],
               "model": [r[1] for r in rows], "input_tokens": [r[2] for r in rows], "output_tokens": ["1"] * len(rows)}
    if kind == "parquet":
        pq.write_table(pa.table(columns), path)
    else:
        path.write_text(",".join(columns) + "\n" + "".join(",".join(cells) + "\n" for cells in zip(*columns.values())))


@pytest.mark.parametrize("kind", ["csv", "parquet"])
@pytest.mark.parametrize("count", ["12.0", "12.5"])
def test_a_suspects_name_is_settled_at_its_line(table, tmp_path, kind, count):
    # line 1: zeta's typo with 12.0 tokens (a suspect, good) or 12.5 (a suspect, bad: never priced, its name
    # never resolved); then acme's zz0-zz18 and mimi, 20 unknown names DuckDB screens. Good: the typo is the
    # 1st unknown name (hinted), zz0-zz18 the 2nd-20th, mimi the 21st (not hinted). Bad: zz0-zz18 and mimi are
    # the 1st-20th (mimi hinted). Before, the suspect's name came after the file's others (mimi hinted, the
    # typo not): 20 screened unknown names, as many as the hints, did not even settle them in order.
    path = tmp_path / f"log.{kind}"
    zz = [("acme", f"zz{i}", "10") for i in range(19)]
    _text_log(path, kind, [("zeta", "gpt-5.5-typo", count)] + zz + [("acme", "gpt-5.4-mimi", "10")])
    local = reprice_chunks(iter_usage([path]), table, AS, sources=[str(path)])
    engine = reprice_files_duckdb([path], table, AS)
    assert _said(engine) == _said(local)
    first = 1 + (kind == "csv")
    problems = _said(local)[0]
    assert len(problems) == 21
    if count == "12.0":
        assert problems[0] == f"{path}:{first}: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"
        assert problems[-1] == f"{path}:{first + 20}: model: 'gpt-5.4-mimi': {MIMI}{UNKNOWN}"
    else:
        assert problems[0].startswith(f"{path}:{first}: input_tokens: '12.5': ")
        assert problems[-1] == f"{path}:{first + 20}: model: 'gpt-5.4-mimi': {MIMI}{MIMI_HINT}"


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_good_suspects_count_in_a_slices_rows(table, tmp_path, monkeypatch, kind):
    # slices of 30 records inside one chunk. Line 1: acme's gpt-5.5 with 12.0 tokens (a good suspect); 2: zeta's
    # gpt-5.5; 3-30: acme's zz0-zz27 (28 unknown names); 31: zeta's typo. A local run's first slice is lines
    # 1-30, its second line 31: the typo is the 29th unknown name, not hinted. Leaving the suspect out of the
    # rows counted put line 31 in the first slice, where zeta (line 2) is provider 0: its typo became the 1st
    # unknown name, hinted.
    from costcalc.engines import duckdb_files
    from costcalc.usage import run

    monkeypatch.setattr(run.slices, "__defaults__", (30,))
    monkeypatch.setattr(duckdb_files, "SLICE_RECORDS", 30)
    path = tmp_path / f"log.{kind}"
    rows = [("acme", "gpt-5.5", "12.0"), ("zeta", "gpt-5.5", "10")] + [("acme", f"zz{i}", "10") for i in range(28)]
    _text_log(path, kind, rows + [("zeta", "gpt-5.5-typo", "10")])
    local = reprice_chunks(iter_usage([path], chunk_records=250_000), table, AS, sources=[str(path)])
    engine = reprice_files_duckdb([path], table, AS, chunk_records=250_000)
    assert _said(engine) == _said(local)
    assert _said(local)[0][-1] == f"{path}:{31 + (kind == 'csv')}: model: 'gpt-5.5-typo': {TYPO}{UNKNOWN}"


@pytest.mark.parametrize("chunk", [2, 250_000])
def test_suspects_read_once_when_one_chunk_holds_them(table, tmp_path, monkeypatch, chunk):
    # lines 1-3 (CSV 2-4): zeta's typo, acme's zz0 and zz1, each with 12.0 tokens (good suspects); then acme's
    # zz2-zz19 and mimi. The typo is the 1st unknown name (hinted), mimi the 22nd (not), in chunks of 2 lines
    # or of 250,000. The suspects go through the reader once when one chunk holds them (3 records in one of
    # 250,000), else once for their names and again for pricing (3 records past a chunk of 2).
    from costcalc.engines import duckdb_files

    reads = []
    read = duckdb_files.suspect_chunks

    def counted(*args):
        reads.append(1)
        return read(*args)

    monkeypatch.setattr(duckdb_files, "suspect_chunks", counted)
    path = tmp_path / "log.csv"
    rows = [("zeta", "gpt-5.5-typo", "12.0"), ("acme", "zz0", "12.0"), ("acme", "zz1", "12.0")]
    _text_log(path, "csv", rows + [("acme", f"zz{i}", "10") for i in range(2, 20)] + [("acme", "gpt-5.4-mimi", "10")])
    local = reprice_chunks(iter_usage([path], chunk_records=chunk), table, AS, sources=[str(path)])
    engine = reprice_files_duckdb([path], table, AS, chunk_records=chunk)
    assert _said(engine) == _said(local)
    problems = _said(local)[0]
    assert problems[0] == f"{path}:2: model: 'gpt-5.5-typo': {TYPO}{TYPO_HINT}"
    assert problems[-1] == f"{path}:23: model: 'gpt-5.4-mimi': {MIMI}{UNKNOWN}"
    assert len(reads) == (2 if chunk == 2 else 1)
