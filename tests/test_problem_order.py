"""One problem order across files and engines (issue 14): with more than 1,000 problems over several files,
the local run, partials of random partitions merged in random order, and DuckDB list the same first 1,000:
files in the order given (not by name), then line. Each file mixes reading problems (a line that is not
JSON) with pricing problems (a model the table does not know), so a chunk's reading problems are not
listed before the pricing problems of earlier lines."""

from __future__ import annotations

import pickle
import random
from decimal import Decimal

import numpy as np
import orjson
import pytest

from costcalc.api_usage import reprice_totals
from costcalc.prices import load_prices
from costcalc.usage.chunk import UsageChunk
from costcalc.usage.partials import finish_partials, merge_partials, merged_sources, problem_order
from costcalc.usage.read import iter_usage
from costcalc.usage.run import reprice_partials

LINES = 600  # per file: line n (1-based) is good when n % 3 == 1, not JSON when n % 3 == 2, an unknown model else
ORDER = ["c.jsonl", "a.jsonl", "b.jsonl"]  # the order given: not alphabetical


def _line(n: int) -> bytes:
    if n % 3 == 2:
        return b"not json"
    model = "gpt-5.5" if n % 3 == 1 else "no-such-model"
    return orjson.dumps({"timestamp": "2026-06-02T10:00:00Z", "provider": "openai", "model": model,
                         "input_tokens": 1000, "output_tokens": 2000})


@pytest.fixture(scope="module")
def table():
    return load_prices()


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("order")
    paths = []
    for name in ORDER:
        path = folder / name
        path.write_bytes(b"\n".join(_line(n) for n in range(1, LINES + 1)) + b"\n")
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def local(table, logs):
    return reprice_totals(logs, table, format="costcalc")


def _listed(result) -> list[tuple[str, int]]:
    return [(p.file.rsplit("/", 1)[-1], p.line) for p in result.problems]


def _expected() -> list[tuple[str, int]]:
    """400 problems in each of c and a (every line but the good ones), then b's first 200 (lines 2-300)."""
    bad = [n for n in range(1, LINES + 1) if n % 3 != 1]
    return [("c.jsonl", n) for n in bad] + [("a.jsonl", n) for n in bad] + [("b.jsonl", n) for n in bad[:200]]


def _same(a, b) -> None:
    assert a.rows.equals(b.rows)
    assert a.totals_usd == b.totals_usd
    assert [str(p) for p in a.problems] == [str(p) for p in b.problems]
    assert (a.records, a.priced, a.reported) == (b.records, b.priced, b.reported)


def test_local_lists_files_in_the_order_given_then_lines(local):
    assert (local.records, local.priced, local.reported) == (1800, 600, 1200)
    assert _listed(local) == _expected()
    # 600 good records of gpt-5.5 (standard tier, list rates on 2026-06-02 in pricing.yaml: input 5.00, output
    # 30.00 USD per 1M): 1000 x 5 / 1M + 2000 x 30 / 1M = 0.005 + 0.06 = 0.065 USD each
    assert local.totals_usd["logged"] == 600 * (Decimal("0.005") + Decimal("0.06")) == Decimal("39")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_partitions_merged_in_random_order_list_the_same(table, logs, local, seed):
    rng = np.random.default_rng(seed)
    parts: list[list[UsageChunk]] = [[], [], []]
    for chunk in iter_usage(logs, format="costcalc", chunk_records=150):
        rows = rng.integers(0, 3, len(chunk.frame))  # records and problems spread over parts at random
        owners = rng.integers(0, 3, len(chunk.problems))
        for k in range(3):
            frame = chunk.frame[rows == k].reset_index(drop=True)
            problems = [p for p, owner in zip(chunk.problems, owners) if owner == k]
            parts[k].append(UsageChunk(frame, len(frame) + len(problems), problems))
    partials = [pickle.loads(pickle.dumps(reprice_partials(chunks, table, by=["month"], sources=logs)))
                for chunks in parts]
    random.Random(seed).shuffle(partials)
    merged = finish_partials(merge_partials(merge_partials(partials[0], partials[1]), partials[2]))
    _same(merged, local)


def test_duckdb_lists_the_same(table, logs, local):
    pytest.importorskip("duckdb")
    from costcalc.api_engines import reprice_engine

    _same(reprice_engine(logs, "duckdb", prices=table, format="costcalc"), local)


def test_the_problems_sql_orders_by_the_files_given(table, logs):
    duckdb = pytest.importorskip("duckdb")
    import pandas as pd

    from costcalc.engines.plan import SEGMENT_COLUMNS, build_plan, epoch_day
    from costcalc.engines.sql import problems_sql

    frame = pd.concat([chunk.frame for chunk in iter_usage(logs, format="costcalc")], ignore_index=True)
    frame = frame.assign(model=np.where(frame["model"].astype(str) == "gpt-5.5", "no-such-model", "gpt-5.5"))
    day = epoch_day(pd.Timestamp("2026-06-02", tz="UTC").to_pydatetime())
    plan = build_plan(table, day, day + 1, names=[("openai", "gpt-5.5"), ("openai", "no-such-model")])
    con = duckdb.connect()
    con.register("usage", frame)
    con.register("segments", pd.DataFrame(plan.segments, columns=list(SEGMENT_COLUMNS)))
    rows = con.execute(problems_sql(plan, "usage", "duckdb", "segments", {"source": "source", "line": "line"},
                                    limit=300, sources=logs)).fetchall()
    # the 200 good lines of c (now an unknown model), then a's first 100: lines 1, 4, ... 298
    good = [n for n in range(1, LINES + 1) if n % 3 == 1]
    assert [(src.rsplit("/", 1)[-1], line) for src, line in (row[1:3] for row in rows)] == \
        [("c.jsonl", n) for n in good] + [("a.jsonl", n) for n in good[:100]]


def test_the_order_is_files_given_then_line():
    from costcalc.errors import Problem

    a, b = Problem("b.jsonl", 9, "model", "x", "m"), Problem("a.jsonl", 1, "model", "x", "m")
    assert sorted([a, b], key=problem_order) == [b, a]  # no order given: by name
    assert sorted([a, b], key=lambda p: problem_order(p, ["b.jsonl", "a.jsonl"])) == [a, b]


def test_parts_given_their_files_in_different_orders_do_not_merge():
    assert merged_sources((), ("c", "a"), ("c",), ("c", "a", "b")) == ("c", "a", "b")
    with pytest.raises(ValueError, match="different orders"):
        merged_sources(("c", "a"), ("a", "c"))
