"""DuckDB reading the logs itself (`reprice --engine duckdb`, engines/duckdb_files.py): the same CSV, Parquet
and JSON-lines files, with bad records of every kind the readers know, re-priced locally and with DuckDB
give identical rows, totals, problems (file, line, key, value, message) and assumptions.

The logs are tests/usage_gen.py's generated log (every model, tier, residency, cliff and edge case) written
as files, with cells spoiled on chosen lines; the expected problems are the local readers' (the reference:
the differential), and a few are also checked against the message written out here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from costcalc.api_engines import reprice_engine
from costcalc.api_usage import reprice_totals
from costcalc.prices import load_prices

from .helpers import same_reprice
from .usage_gen import generated_log

duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

AS = ["deepseek-v4-pro"]
BY = ["month", "tag:team"]
RECORDS = 1000


@pytest.fixture(scope="module")
def table():
    return load_prices()


# a few models (an alias, a snapshot, a provider route, an unknown name) over three months: pricing itself is
# tests/test_engines.py's; these tests are about reading, and a small plan keeps them quick
MODELS = ["gpt-5.5", "deepseek-v4-pro", "claude-opus-4-7", "claude-opus-4-7-20260416", "deepseek-chat",
          "openrouter/deepseek-v4-pro", "gemini-3.1-pro", "no-such-model"]


@pytest.fixture(scope="module")
def log(table):
    frame = generated_log(table, RECORDS, 41).drop(columns=["source", "line"])
    rng = np.random.default_rng(41)
    frame["model"] = rng.choice(np.array(MODELS, dtype=object), len(frame))
    start = pd.Timestamp("2026-03-20", tz="UTC")  # to 2026-06-20: month edges, launches, a promotion's end
    frame["timestamp"] = start + (frame["timestamp"] - pd.Timestamp("2026-01-01", tz="UTC")) % pd.Timedelta(days=92)
    return frame


@pytest.fixture
def by_reader(monkeypatch) -> list[str]:
    """The files costcalc's own readers read in a DuckDB run (the others DuckDB read itself)."""
    import costcalc.engines.duckdb as engine

    seen: list[str] = []
    real = engine.iter_usage

    def spy(paths, *args, **kwargs):
        seen.extend(str(p) for p in paths)
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(engine, "iter_usage", spy)
    return seen


def _both(table, paths, **options):
    local = reprice_totals(paths, table, AS, BY, **options)
    engine = reprice_engine(paths, "duckdb", prices=table, models=AS, by=BY, **options)
    same_reprice(engine, local)
    return local


# text cells a CSV log may hold: (column, cell, bad?) - good ones in a rarer form go through the screen's
# slow path (costcalc's own normalization) and must be priced exactly as locally
CSV_CELLS = [
    ("input_tokens", "abc", True), ("input_tokens", "-5", True), ("input_tokens", "1.5", True),
    ("input_tokens", "1e3", True), ("input_tokens", "1000000000000000", True), ("input_tokens", "", True),
    ("input_tokens", "12.0", False), ("input_tokens", " 12", False), ("cached_tokens", "", False),
    ("output_tokens", "x1", True), ("web_search_calls", "-1", True), ("reasoning_tokens", "2.5", True),
    ("model", "", True), ("model", "   ", True), ("model", "\u00e9", False),
    ("timestamp", "yesterday", True), ("timestamp", "2026-02-30T00:00:00Z", True), ("timestamp", "", True),
    ("timestamp", "2026-03-01", False), ("timestamp", "1767225600", False),
    ("timestamp", "2026-04-01T10:00:00+05:30", False), ("timestamp", "2026-04-01T10:00:00-00:30", False),
    ("timestamp", "99", True), ("timestamp", "2300-01-01T00:00:00Z", True),
    ("timestamp", "2026-06-01 23:59:59.999999999", False),
    ("service_tier", " Batch", False), ("service_tier", "scale", True), ("service_tier", "PRIORITY", False),
    ("service_tier", "", False), ("residency", "maybe", True), ("residency", "YES", False), ("residency", "", False),
    ("tag:team", "", False),
]


def _iso(stamps: pd.Series) -> pd.Series:
    return stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _csv_text(log: pd.DataFrame) -> pd.DataFrame:
    text = log.astype(str)
    text["timestamp"] = _iso(log["timestamp"])
    text["residency"] = np.where(log["residency"], "true", "false")
    text["cached_tokens"] = text["cached_tokens"].where(log["cached_tokens"] != 0, "")  # blank = 0
    return text


def test_csv_with_bad_cells_of_every_kind(table, log, tmp_path, by_reader):
    text = _csv_text(log)
    for row, (column, cell, _bad) in enumerate(CSV_CELLS):
        text.loc[row * 29 + 5, column] = cell
    path = tmp_path / "log.csv"
    text.to_csv(path, index=False)
    local = _both(table, [str(path)])
    assert by_reader == []  # DuckDB read it, and its suspects went through the reader's normalization
    bad = sum(1 for _c, _cell, is_bad in CSV_CELLS if is_bad)
    assert local.reported >= bad and local.records == RECORDS
    shown = [str(p) for p in local.problems]
    # line = row + 2 (the header is line 1); the readers' own messages
    assert f"{path}:7: input_tokens: 'abc': must be a whole number of tokens >= 0" in shown
    assert (f"{path}:{4 * 29 + 7}: input_tokens: '1000000000000000': more tokens than costcalc counts in one record "
            "(below 10^15)") in shown
    assert any(s.startswith(f"{path}:{15 * 29 + 7}: timestamp: 'yesterday': must be an ISO-8601 instant")
               for s in shown)


def test_csv_mapped_columns_and_inclusive_counts(table, log, tmp_path, by_reader):
    text = _csv_text(log).rename(columns={"timestamp": "ts", "model": "model_name", "tag:team": "team",
                                          "service_tier": "tier", "residency": "eu"})
    text.loc[6, "tier"] = "scale"  # the reader's own message for Scale Tier, on a mapped column
    text.loc[7, "eu"] = "maybe"
    text["prompt"] = (log["input_tokens"] + log["cached_tokens"] + log["cache_write_5m_tokens"]
                      + log["cache_write_1h_tokens"]).astype(str)
    text = text.drop(columns=["input_tokens"])
    text.loc[3, "prompt"] = "0"  # less than cached + writes when those are not 0: a bad record
    text.loc[3, "cached_tokens"] = "5"
    path = tmp_path / "mapped.csv"
    text.to_csv(path, index=False)
    mapping = {"timestamp": "ts", "model": "model_name", "tag:team": "team", "prompt_tokens": "prompt",
               "service_tier": "tier", "residency": "eu"}
    local = _both(table, [str(path)], mapping=mapping)
    assert by_reader == []
    shown = [str(p) for p in local.problems]
    assert any(s.startswith(f"{path}:5: prompt: '0': less than cached") for s in shown)
    assert any(s.startswith(f"{path}:8: tier: 'scale': Scale Tier is prepaid") for s in shown)
    assert f"{path}:9: eu: 'maybe': must be true or false (yes/no, 1/0; blank = false)" in shown


def test_csv_that_duckdb_cannot_number_goes_to_the_reader(table, log, tmp_path, by_reader):
    """A blank line, a quoted newline, a row of another width: the line numbers still match local."""
    text = _csv_text(log.iloc[:200])
    path = tmp_path / "odd.csv"
    body = text.to_csv(index=False).splitlines()
    body.insert(10, "")  # a blank line: not a record, but a line
    body[20] = body[20] + ",extra"  # more cells than the header
    text.loc[30, "tag:team"] = "two\nlines"
    path.write_text("\n".join(body) + "\n")
    _both(table, [str(path)])
    quoted = tmp_path / "quoted.csv"
    text.to_csv(quoted, index=False)
    _both(table, [str(quoted)])
    # a space beside a quote: DuckDB would read ` "gpt-5.5"` as gpt-5.5, pandas (the local reader) keeps it
    spaced = tmp_path / "spaced.csv"
    body = _csv_text(log.iloc[:200]).to_csv(index=False).splitlines()
    cells = body[5].split(",")
    cells[2], cells[-3] = f' "{cells[2]}"', "standard"
    body[5] = ",".join(cells)
    spaced.write_text("\n".join(body) + "\n")
    local = _both(table, [str(spaced)])
    assert any(str(p).startswith(f"{spaced}:6: model:") for p in local.problems)
    assert by_reader == [str(path), str(quoted), str(spaced)]


def _parquet(log: pd.DataFrame, path, **columns) -> None:
    table = pa.Table.from_pandas(log.assign(**columns), preserve_index=False)
    pq.write_table(table, path, row_group_size=700)


def test_parquet_typed_columns_with_bad_values(table, log, tmp_path, by_reader, monkeypatch):
    """Typed columns (int counts, a UTC timestamp, a bool): negative counts, a null count in an int column
    (pandas reads that batch as float), a null model, an unknown tier, an instant past 2262 in a text file.
    The plan's SQL runs over slices of 300 lines (partials merged), as over slices of a million in a big log."""
    import costcalc.engines.duckdb_files as files

    monkeypatch.setattr(files, "SLICE_LINES", 300)
    frame = log.copy()
    counts = frame["input_tokens"].astype("Int64")
    counts.iloc[[10, 900]] = [-3, None]
    reasoning = frame["reasoning_tokens"].astype("Int64")
    reasoning.iloc[950] = None  # optional: 0
    model = frame["model"].astype(object)
    model.iloc[[20, 800]] = [None, " "]
    tier = frame["service_tier"].astype(object)
    tier.iloc[30] = "Scale"
    path = tmp_path / "typed.parquet"
    _parquet(frame, path, input_tokens=counts, reasoning_tokens=reasoning, model=model, service_tier=tier,
             timestamp=frame["timestamp"].astype("datetime64[us, UTC]"))
    local = _both(table, [str(path)])
    assert f"{path}:11: input_tokens: -3: must be a whole number of tokens >= 0" in [str(p) for p in local.problems]
    # text columns in Parquet: the CSV rules
    text = _csv_text(log)
    text.loc[7, "timestamp"] = "2300-01-01T00:00:00Z"
    text.loc[8, "output_tokens"] = "1.0000000000000001"
    text_path = tmp_path / "text.parquet"
    pq.write_table(pa.Table.from_pandas(text, preserve_index=False), text_path, row_group_size=1000)
    _both(table, [str(text_path)])
    assert by_reader == []


def test_several_files_and_formats_in_one_run(table, log, tmp_path, by_reader):
    """CSV, Parquet and normalized JSON lines together (JSON lines stay on costcalc's reader)."""
    part = log.iloc[:300]
    csv_path, parquet_path, json_path = tmp_path / "a.csv", tmp_path / "b.parquet", tmp_path / "c.jsonl"
    _csv_text(part).to_csv(csv_path, index=False)
    _parquet(part, parquet_path)
    records = _csv_text(part).drop(columns=["tag:team"]).to_dict("records")
    lines = []
    for record, team in zip(records, part["tag:team"]):
        record = {k: (int(v) if k.endswith(("_tokens", "_calls")) and v else v) for k, v in record.items() if v != ""}
        record["residency"] = record["residency"] == "true"
        record["tags"] = {"team": team}
        lines.append(pd.io.json.ujson_dumps(record))
    lines[4] = '{"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-5.5", "input_tokens": -1, "output_tokens": 1}'
    json_path.write_text("\n".join(lines) + "\n")
    local = _both(table, [str(csv_path), str(parquet_path), str(json_path)])
    assert local.records == 900
    assert by_reader == [str(json_path)]  # JSON lines: costcalc's reader feeds DuckDB
    _both(table, [str(json_path), str(parquet_path), str(csv_path)])  # problems listed in the order given


def test_header_problems_are_the_readers(table, tmp_path):
    path = tmp_path / "no_model.csv"
    path.write_text("timestamp,input_tokens,output_tokens\n2026-01-01T00:00:00Z,1,1\n")
    with pytest.raises(Exception) as local:
        reprice_totals([str(path)], table, AS, BY)
    with pytest.raises(Exception) as engine:
        reprice_engine([str(path)], "duckdb", prices=table, models=AS, by=BY)
    assert str(engine.value) == str(local.value) and "no model column" in str(local.value)


def test_gzip_csv_is_read_by_duckdb(table, log, tmp_path, by_reader):
    """A .csv.gz log (bad cells included) is decompressed by DuckDB itself, not by costcalc's reader, and
    re-priced exactly as locally: same rows, totals, problems (file, line, key, value, message)."""
    import gzip

    text = _csv_text(log)
    for row, (column, cell, _bad) in enumerate(CSV_CELLS):
        text.loc[row * 29 + 5, column] = cell
    path = tmp_path / "log.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        text.to_csv(handle, index=False)
    local = _both(table, [str(path)])
    assert by_reader == []  # DuckDB read it
    assert local.records == RECORDS and local.reported >= sum(1 for *_, bad in CSV_CELLS if bad)
    assert f"{path}:7: input_tokens: 'abc': must be a whole number of tokens >= 0" in [str(p) for p in local.problems]
    # a blank line in the compressed text: DuckDB's rows are not the file's lines, so costcalc's reader reads it
    blank = tmp_path / "blank.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        body = handle.read().split("\n")
    with gzip.open(blank, "wt", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(body[:10] + [""] + body[10:]))
    _both(table, [str(blank)])
    assert by_reader == [str(blank)]
