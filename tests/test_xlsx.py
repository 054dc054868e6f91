"""The Excel rendering of an estimate document: sheets, totals, currency formats, formula
neutralization and reproducible bytes, checked by reading the workbook back with openpyxl."""

import copy
import io
import zipfile
from decimal import Decimal

import pandas as pd
import pytest

openpyxl = pytest.importorskip("openpyxl", reason="the xlsx extra (openpyxl) is not installed")

import costcalc  # noqa: E402
from costcalc.errors import CostcalcError  # noqa: E402
from costcalc.report.document import to_document, upgrade  # noqa: E402
from costcalc.report.xlsx import render_xlsx, to_xlsx  # noqa: E402
from costcalc.money import cents  # noqa: E402

EUR = {"base": "USD", "currency": "EUR", "rate": "0.92", "symbol": "€", "source": "--fx EUR=0.92"}
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2-3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture(scope="module")
def document():
    return to_document(costcalc.estimate(months=3, cases=True))  # as the CLI


@pytest.fixture(scope="module")
def plain_document():
    """No ranges (no case column), two profiles, one of them named like a formula."""
    profiles = pd.DataFrame([
        {"name": "chat", "requests_per_day": 1000, "input_tokens": 2000, "output_tokens": 300,
         "models": "[gpt-5.5, claude-opus-4-7]", "start": "2026-12-01", "tags.team": "=cmd|' /C calc'!A0"},
        {"name": HOSTILE[0], "requests_per_day": 500, "input_tokens": 1000, "output_tokens": 100,
         "models": "[gpt-5.5]", "start": "2026-12-01", "tags.team": "-2+3"},
    ])
    return to_document(costcalc.estimate(profiles, start="2026-12", months=2))


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _eur(document):
    doc = copy.deepcopy(document)
    doc["meta"]["fx"] = dict(EUR)
    doc["meta"]["currency"] = "EUR"
    return upgrade(doc)  # the plan sections hold shown amounts: computed again for the new currency


def test_sheets_and_frozen_headers(document):
    book = _book(render_xlsx(document))
    assert book.sheetnames == ["Plan", "Summary", "Detail", "Notes"]
    assert book["Detail"].freeze_panes == "A2"
    assert book["Notes"].freeze_panes == "A2"
    assert book["Summary"].freeze_panes.endswith("2")
    header = [c.value for c in book["Summary"][1]]
    assert header[:4] == ["profile", "case", "model", "provider"]
    assert header[4:7] == ["2026-12", "2027-01", "2027-02"]
    assert "total (USD)" in header and "cheapest" in header
    assert book["Detail"].column_dimensions["A"].width > 8


def test_summary_total_equals_document_total(document):
    sheet = _book(render_xlsx(document))["Summary"]
    header = [c.value for c in sheet[1]]
    total_col = header.index("total (USD)") + 1
    labels = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    row = next(r for label, r in labels.items() if label and label.startswith("Plan current (chosen"))
    cell = sheet.cell(row, total_col)
    assert cell.data_type == "n"
    assert Decimal(str(round(cell.value, 2))) == cents(Decimal(document["total_usd"]))
    # and that total is the current plan's: each profile's first model, expected case (neither low/high
    # cases nor a profile's alternative models added to it)
    first = {name: info["models"][0] for name, info in document["meta"]["profiles"].items()}
    expected = sum(Decimal(r["cost_usd"]) for r in document["rows"]
                   if r["case"] == "expected" and r["model"] == first[r["profile"]])
    assert Decimal(str(round(cell.value, 2))) == cents(expected)
    every = sum(Decimal(r["cost_usd"]) for r in document["rows"] if r["case"] == "expected")
    totals = [sheet.cell(r, total_col).value for r in range(2, sheet.max_row + 1)]
    assert not any(isinstance(v, float) and round(v, 2) == float(cents(every)) for v in totals)
    assert not any(label and str(label).startswith("Total") for label in labels)


@pytest.mark.slow
def test_summary_rows_match_summarize(document):
    sheet = _book(render_xlsx(document))["Summary"]
    header = [c.value for c in sheet[1]]
    summary = costcalc.summarize(costcalc.estimate(months=3, cases=True))
    first = {(r[0], r[1], r[2]): r for r in sheet.iter_rows(min_row=2, values_only=True) if r[2]}
    assert len(first) == len(summary)
    for record in summary.to_dict(orient="records"):
        row = first[(record["profile"], record["case"], record["model"])]
        assert round(row[header.index("total (USD)")], 6) == round(float(record["total_usd"]), 6)
        assert row[header.index("rank")] == record["rank"]
        assert (row[header.index("cheapest")] == "yes") == record["cheapest"]


def test_plain_document_has_one_total_row(plain_document):
    sheet = _book(render_xlsx(plain_document))["Summary"]
    header = [c.value for c in sheet[1]]
    assert "case" not in header
    labels = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    assert "Total" not in labels
    row = next(i for i, label in enumerate(labels) if label and label.startswith("Plan current (chosen")) + 2
    value = sheet.cell(row, header.index("total (USD)") + 1).value
    assert Decimal(str(round(value, 2))) == cents(Decimal(plain_document["total_usd"]))


@pytest.mark.slow
def test_detail_rows_columns_and_exact_cost(document):
    sheet = _book(render_xlsx(document))["Detail"]
    header = [c.value for c in sheet[1]]
    assert header[:len(document["rows"][0])] == list(document["rows"][0])
    assert header[-1] == "cost_usd_exact"
    assert sheet.max_row - 1 == len(document["rows"])
    cost, exact, tokens = header.index("cost_usd"), header.index("cost_usd_exact"), header.index("tokens")
    start = header.index("period_start")
    for row, source in zip(sheet.iter_rows(min_row=2), document["rows"]):
        assert row[exact].value == source["cost_usd"]
        assert row[exact].data_type == "s"
        assert row[cost].data_type == "n"
        # a double written with 16 significant digits (openpyxl's, and Excel's own, precision)
        assert row[cost].value == pytest.approx(float(Decimal(source["cost_usd"])), rel=1e-15, abs=1e-12)
        assert row[tokens].number_format == "#,##0"
        assert row[start].value.strftime("%Y-%m-%dT%H:%M:%SZ") == source["period_start"]
    assert "$" in sheet.cell(2, cost + 1).number_format


def test_currency_format_uses_the_shown_symbol(document):
    doc = _eur(document)
    book = _book(render_xlsx(doc))
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    assert "total (EUR)" in header
    total_col = header.index("total (EUR)") + 1
    assert "€" in summary.cell(2, total_col).number_format
    assert "€" in summary.cell(2, header.index("2026-12") + 1).number_format
    labels = {summary.cell(r, 1).value: r for r in range(2, summary.max_row + 1)}
    row = next(r for label, r in labels.items() if label and label.startswith("Plan current (chosen"))
    shown = Decimal(document["total_usd"]) * Decimal("0.92")
    assert Decimal(str(round(summary.cell(row, total_col).value, 2))) == cents(shown)
    detail = book["Detail"]
    dheader = [c.value for c in detail[1]]
    assert "cost_eur" in dheader  # added from USD x rate: the document rows had none
    col = dheader.index("cost_eur")
    assert "€" in detail.cell(2, col + 1).number_format
    assert detail.cell(2, col + 1).value == pytest.approx(float(Decimal(doc["rows"][0]["cost_usd"]) * Decimal("0.92")))
    notes = {r[0]: r[1] for r in book["Notes"].iter_rows(min_row=2, values_only=True)}
    assert notes["currency"] == "EUR" and notes["rate (units per 1 USD)"] == "0.92"
    assert "--fx EUR=0.92" in notes["rate source"]


def test_estimate_with_fx_keeps_its_own_shown_column():
    df = costcalc.estimate(months=1, currency="EUR", fx="EUR=0.92")
    doc = to_document(df)
    detail = _book(render_xlsx(doc))["Detail"]
    header = [c.value for c in detail[1]]
    assert header.count("cost_eur") == 1
    col = header.index("cost_eur")
    assert detail.cell(2, col + 1).data_type == "n"
    assert "€" in detail.cell(2, col + 1).number_format


@pytest.mark.slow
def test_notes_sheet(document):
    notes = _book(render_xlsx(document))["Notes"]
    items = [(r[0], r[1]) for r in notes.iter_rows(min_row=2, values_only=True)]
    named = dict(items)
    table = document["meta"]["price_table"]
    assert named["price table version"] == table["version"]
    assert named["price table sha256"] == table["sha256"]
    assert named["scenario"] == document["meta"]["scenario"]
    assert named["currency"] == "USD"
    assert "cost_usd_exact" in named["precision"] and "double" in named["precision"]
    assumptions = [v for k, v in items if k == "assumption"]
    assert assumptions == document["meta"]["assumptions"]


def test_formula_like_text_is_neutralized(plain_document):
    doc = copy.deepcopy(plain_document)
    # every hostile start, in profile names and tag values of the rows and in the meta
    for i, row in enumerate(doc["rows"]):
        row["tag:team"] = HOSTILE[i % len(HOSTILE)]
    doc["meta"]["assumptions"].append("=1+1")
    doc["meta"]["profiles"][HOSTILE[0]]["summary"] = "@cmd"
    book = _book(render_xlsx(doc))
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.lstrip("'")[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    assert cell.value.startswith("'"), (sheet.title, cell.coordinate, cell.value)
                    seen += 1
    assert seen > len(doc["rows"])  # the hostile values really were there
    detail = book["Detail"]
    header = [c.value for c in detail[1]]
    profiles = {detail.cell(r, header.index("profile") + 1).value for r in range(2, detail.max_row + 1)}
    assert "'" + HOSTILE[0] in profiles
    summary_profiles = {c.value for c in book["Summary"]["A"]}
    assert "'" + HOSTILE[0] in summary_profiles


def test_hostile_column_names_and_control_characters(plain_document):
    doc = copy.deepcopy(plain_document)
    for row in doc["rows"]:
        row["tag:=evil()"] = "bell\x07 and nul\x00"
    detail = _book(render_xlsx(doc))["Detail"]
    header = [c.value for c in detail[1]]
    assert "tag:=evil()" in header  # starts with "t": already text
    col = header.index("tag:=evil()")
    assert detail.cell(2, col + 1).value == "bell\ufffd and nul\ufffd"


@pytest.mark.slow
def test_rerender_gives_identical_bytes(document):
    first = render_xlsx(document)
    second = render_xlsx(copy.deepcopy(document))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 12, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-12-01T00:00:00Z</dcterms:created>" in core
    assert "2026-12-01T00:00:00Z</dcterms:modified>" in core


@pytest.mark.slow
def test_to_xlsx_takes_a_frame_and_writes_a_file(tmp_path):
    df = costcalc.estimate(months=2)
    path = tmp_path / "estimate.xlsx"
    data = to_xlsx(df, path)
    assert path.read_bytes() == data == render_xlsx(to_document(df))
    frame = pd.read_excel(path, sheet_name="Detail")
    assert len(frame) == len(df)


def test_empty_document_renders(document):
    doc = copy.deepcopy(document)
    doc["rows"], doc["totals"], doc["total_usd"] = [], [], "0"
    book = _book(render_xlsx(upgrade(doc)))
    assert book.sheetnames == ["Plan", "Summary", "Detail", "Notes"]
    assert book["Detail"].max_row == 1


def test_not_a_document_is_refused():
    with pytest.raises(CostcalcError, match="not a costcalc estimate"):
        render_xlsx({"rows": []})


def test_missing_openpyxl_names_the_extra(monkeypatch, document):
    import builtins

    real_import = builtins.__import__

    def no_openpyxl(name, *args, **kwargs):
        if name == "openpyxl" or name.startswith("openpyxl."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    with pytest.raises(CostcalcError, match=r"pip install 'costcalc\[xlsx\]'"):
        render_xlsx(document)
