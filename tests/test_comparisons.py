"""Per-profile comparisons of alternatives (issue 12, item 9): computed once, in the document
(`comparisons`, report/comparisons.py), and only formatted by every renderer. Hand-computed on two flat
profiles with three alternatives each, priced by a small overlay, shown in EUR at 0.5 per USD:

    rates, USD per 1M tokens:  alpha in 1 / out 2;  beta in 2 / out 1;  gamma in 4 / out 4
    p1  1,000,000 requests/month x (1,000 in, 100 out) = 1,000 Mtok in, 100 Mtok out a month; use: beta
        a month: alpha 1,000 + 200 = 1,200;  beta 2,000 + 100 = 2,100;  gamma 4,000 + 400 = 4,400 USD
        2 months: alpha 2,400 (rank 1), beta 4,200 (2, current), gamma 8,800 (3, most expensive)
        savings vs gamma: alpha 6,400 = 72.727...% (72.7), beta 4,600 = 52.272...% (52.3), gamma 0
        savings vs the current beta: alpha 1,800, beta 0, gamma -4,600
        per 1,000 requests: alpha 1,200 / 1,000,000 x 1,000 = 1.2;  beta 2.1;  gamma 4.4
    p2     70,000 requests/month x (100 in, 1,000 out) = 7 Mtok in, 70 Mtok out; current alpha (first)
        a month: alpha 7 + 140 = 147;  beta 14 + 70 = 84;  gamma 28 + 280 = 308 USD
        2 months: beta 168 (rank 1), alpha 294 (2), gamma 616 (3)
        savings vs gamma: beta 448 = 72.727...%, alpha 322 = 52.272...%;  vs alpha: beta 126, gamma -322
        per 1,000 requests: alpha 147 / 70,000 x 1,000 = 2.1;  beta 1.2;  gamma 4.4

In EUR every figure is half: p1 alpha 1,200.00 EUR over the period, 600.00 a month, 3,200.00 less than gamma.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Context
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from costcalc.cli import cli

from .helpers import abc_table, write_files

# alpha 1 input / 2 output, beta 2 / 1, gamma 4 / 4 USD per 1M tokens (helpers.abc_table)
PRICES = abc_table("comparisons-test")
WORKLOADS = """schema_version: 1
profiles:
  p1: {requests_per_month: 1000000, input_tokens: 1000, output_tokens: 100, models: [alpha, beta, gamma],
       use: beta}
  p2: {requests_per_month: 70000, input_tokens: 100, output_tokens: 1000, models: [alpha, beta, gamma]}
"""
RATE = D("0.5")  # EUR per USD
MONTHS = ["2026-12", "2027-01"]
MONTHLY_USD = {"p1": {"alpha": D(1200), "beta": D(2100), "gamma": D(4400)},
               "p2": {"alpha": D(147), "beta": D(84), "gamma": D(308)}}
TOTAL_USD = {p: {m: v * 2 for m, v in models.items()} for p, models in MONTHLY_USD.items()}
RANK = {"p1": {"alpha": 1, "beta": 2, "gamma": 3}, "p2": {"beta": 1, "alpha": 2, "gamma": 3}}
VS_MOST_USD = {"p1": {"alpha": D(6400), "beta": D(4600), "gamma": D(0)},
               "p2": {"beta": D(448), "alpha": D(322), "gamma": D(0)}}
_WIDE = Context(prec=60)  # the document's shares carry 50 digits: the hand figures carry more
PCT = {"p1": {"alpha": _WIDE.divide(D(640000), D(8800)), "beta": _WIDE.divide(D(460000), D(8800)), "gamma": D(0)},
       "p2": {"beta": _WIDE.divide(D(44800), D(616)), "alpha": _WIDE.divide(D(32200), D(616)), "gamma": D(0)}}
CURRENT = {"p1": "beta", "p2": "alpha"}
VS_CURRENT_USD = {"p1": {"alpha": D(1800), "beta": D(0), "gamma": D(-4600)},
                  "p2": {"alpha": D(0), "beta": D(126), "gamma": D(-322)}}
PER_1K_USD = {"p1": {"alpha": D("1.2"), "beta": D("2.1"), "gamma": D("4.4")},
              "p2": {"alpha": D("2.1"), "beta": D("1.2"), "gamma": D("4.4")}}


def eur(usd: D) -> str:
    """A hand-computed USD figure as shown in EUR: x 0.5, cents, thousands separators."""
    return f"{(usd * RATE).quantize(D('0.01')):,.2f}"


@pytest.fixture
def files(tmp_path):
    return write_files(tmp_path, {"prices.yaml": PRICES, "w.yaml": WORKLOADS})


def run(files, *args):
    result = CliRunner().invoke(cli, ["estimate", str(files / "w.yaml"), "--prices", str(files / "prices.yaml"),
                                      "--start", "2026-12", "--months", "2", "--currency", "EUR", "--fx",
                                      f"EUR={RATE}", *map(str, args)])
    assert result.exit_code == 0, result.stderr
    return result


def test_the_document_holds_the_comparisons_by_hand(files):
    document = json.loads(run(files, "--format", "json").stdout)
    section = document["comparisons"]
    assert section["months"] == MONTHS
    assert [p["profile"] for p in section["profiles"]] == ["p1", "p2"]
    for profile in section["profiles"]:
        name = profile["profile"]
        assert profile["current"] == CURRENT[name]
        [case] = profile["cases"]
        assert case["case"] == "expected" and case["most_expensive"] == "gamma"
        assert case["cheapest"] == min(RANK[name], key=RANK[name].get)
        assert [m["model"] for m in case["models"]] == ["alpha", "beta", "gamma"]  # listed order
        for m in case["models"]:
            model = m["model"]
            assert m["rank"] == RANK[name][model] and m["cheapest"] == (RANK[name][model] == 1)
            assert D(m["total"]["cost_usd"]) == TOTAL_USD[name][model]
            assert D(m["total"]["cost"]) == TOTAL_USD[name][model] * RATE
            assert D(m["savings_vs_most_expensive"]["cost_usd"]) == VS_MOST_USD[name][model]
            assert D(m["savings_vs_most_expensive"]["cost"]) == VS_MOST_USD[name][model] * RATE
            assert abs(D(m["savings_pct"]) - PCT[name][model]) < D("1e-47")  # 72.7272...73: 50 digits
            assert D(m["savings_vs_current"]["cost_usd"]) == VS_CURRENT_USD[name][model]
            assert D(m["savings_vs_current"]["cost"]) == VS_CURRENT_USD[name][model] * RATE
            assert [c["month"] for c in m["months"]] == MONTHS
            for cell in m["months"]:
                assert D(cell["cost_usd"]) == MONTHLY_USD[name][model] and cell["mark"] is None
                assert D(cell["cost"]) == MONTHLY_USD[name][model] * RATE
                assert D(cell["cost_per_1k"]["cost_usd"]) == PER_1K_USD[name][model]
                assert D(cell["cost_per_1k"]["cost"]) == PER_1K_USD[name][model] * RATE
            assert m["fees"] == []


def test_a_saved_document_gets_its_comparisons_again_when_loaded(files, tmp_path):
    document = json.loads(run(files, "--format", "json").stdout)
    edited = json.loads(json.dumps(document))
    del edited["comparisons"]["profiles"][0]  # a hand-edit: derived data, computed again on load
    edited["comparisons"]["months"] = []
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(edited))
    result = CliRunner().invoke(cli, ["render", str(saved), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["comparisons"] == document["comparisons"]


def _verdicts():
    """The verdict line of each profile, from the hand-computed figures (EUR)."""
    return {"p1": f"Cheapest: alpha at {eur(D(2400))} EUR, {eur(D(6400))} EUR (72.7%) less than gamma.",
            "p2": f"Cheapest: beta at {eur(D(168))} EUR, {eur(D(448))} EUR (72.7%) less than gamma."}


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_and_markdown_format_the_comparisons(files, fmt):
    text = run(files, "--format", fmt).stdout
    flat = " ".join(text.split())
    for verdict in _verdicts().values():
        assert verdict in flat
    _, alternatives = text.split("Alternatives per profile", 1)
    for name in ("p1", "p2"):
        part = alternatives.split(f"## {name}" if fmt == "markdown" else f"\n{name}\n", 1)[1]
        for month in MONTHS:
            row = next(line for line in part.splitlines() if line.replace("|", " ").split()[:1] == [month])
            assert row.replace("|", " ").split()[1:] == [eur(MONTHLY_USD[name][m]) for m in ("alpha", "beta", "gamma")]
        total = next(line for line in part.splitlines() if line.replace("|", " ").split()[:1] == ["total"])
        assert total.replace("|", " ").split()[1:] == [eur(TOTAL_USD[name][m]) for m in ("alpha", "beta", "gamma")]


def test_html_formats_the_comparisons(files, tmp_path):
    out = tmp_path / "r.html"
    run(files, "--format", "html", "--output", out)
    page = out.read_text()
    for name in ("p1", "p2"):
        for model in ("alpha", "beta", "gamma"):
            total = re.search(rf'class="money model-total" data-profile="{name}" data-model="{model}">([^<]+)<', page)
            assert total and total.group(1) == eur(TOTAL_USD[name][model])
            for month in MONTHS:
                per_1k = re.search(rf'class="money per-1k" data-profile="{name}" data-model="{model}" '
                                   rf'data-month="{month}">([^<]+)<', page)
                shown = PER_1K_USD[name][model] * RATE  # under one unit: four places
                assert per_1k and per_1k.group(1) == (eur(PER_1K_USD[name][model]) if shown >= 1 else f"{shown:.4f}")
        article = page.split(f'<article class="profile" data-profile="{name}">', 1)[1].split("</article>", 1)[0]
        summary = re.findall(r"<tr[^>]*><td>(\w+)(?: <span[^>]*>cheapest</span>)?</td><td>acme</td>"
                             r'<td[^>]*>([^<]+)</td><td>(\d)</td><td class="money">([^<]+)</td>'
                             r'<td class="money">([^<]+)%</td>', article)
        want = sorted(RANK[name], key=RANK[name].get)
        assert [row[0] for row in summary] == want
        for model, total, rank, saving, pct in summary:
            assert (total, int(rank), saving) == (eur(TOTAL_USD[name][model]), RANK[name][model],
                                                  eur(VS_MOST_USD[name][model]))
            assert D(pct) == PCT[name][model].quantize(D("0.1"))
        best, saving = ("alpha", D(6400)) if name == "p1" else ("beta", D(448))
        assert (f"Cheapest: {best} at €{eur(TOTAL_USD[name][best])}, €{eur(saving)} (72.7%) less than gamma."
                in article)


def test_xlsx_formats_the_comparisons(files, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "r.xlsx"
    run(files, "--format", "xlsx", "--output", out)
    rows = list(openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True))
    assert rows[0][:5] == ("profile", "model", "provider", *MONTHS)
    found = [r for r in rows[1:] if r[0] in ("p1", "p2")]
    assert [(r[0], r[1]) for r in found] == [("p1", "alpha"), ("p1", "beta"), ("p1", "gamma"),
                                             ("p2", "beta"), ("p2", "alpha"), ("p2", "gamma")]
    for profile, model, _provider, dec, jan, total, rank, cheapest, saving, pct in found:
        assert D(str(dec)) == D(str(jan)) == MONTHLY_USD[profile][model] * RATE
        assert D(str(total)) == TOTAL_USD[profile][model] * RATE
        assert (rank, cheapest) == (RANK[profile][model], "yes" if RANK[profile][model] == 1 else None)
        assert D(str(saving)) == VS_MOST_USD[profile][model] * RATE
        assert D(str(pct)) == PCT[profile][model].quantize(D("0.1")) / 100


def test_csv_lists_the_comparisons(files):
    text = run(files, "--format", "csv").stdout
    rows = [dict(c.split("=", 1) for c in r[1:]) for r in csv.reader(io.StringIO(text)) if r and r[0] == "# comparison"]
    assert len(rows) == 6
    for row in rows:
        profile, model = row["profile"], row["model"]
        assert (row["case"], int(row["rank"]), row["currency"]) == ("expected", RANK[profile][model], "EUR")
        assert D(row["cost_usd"]) == TOTAL_USD[profile][model] and D(row["cost"]) == TOTAL_USD[profile][model] * RATE
        assert D(row["savings_vs_most_expensive"]) == VS_MOST_USD[profile][model] * RATE
        assert row["current"] == CURRENT[profile]
        assert D(row["savings_vs_current"]) == VS_CURRENT_USD[profile][model] * RATE


LATE = PRICES + """      late:
        name: Late
        from: 2027-01-10T00:00Z
        prices:
          - label: list
            rates: {input: 1, output: 1}
"""


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "html", "xlsx"])
def test_a_plan_month_without_a_price_shows_n_a_not_zero_and_says_why_once(tmp_path, fmt):
    """p3 uses `late`, launched 2027-01-10T00:00Z: no price in 2026-12 (n/a, not 0.00), 22 of January's
    31 days priced: 3,100,000 requests x 22/31 = 2,200,000 x (1,000 in + 1,000 out at 1 per 1M) = 4,400.00
    USD (a partial month, *). p1 on alpha: 1,200.00 a month. The plan's 2026-12 total is p1's alone."""
    (tmp_path / "prices.yaml").write_text(LATE)
    (tmp_path / "w.yaml").write_text(
        "schema_version: 1\nprofiles:\n"
        "  p1: {requests_per_month: 1000000, input_tokens: 1000, output_tokens: 100, models: [alpha]}\n"
        "  p3: {requests_per_month: 3100000, input_tokens: 1000, output_tokens: 1000, models: [late, alpha]}\n")
    out = tmp_path / f"r.{fmt}"
    result = CliRunner().invoke(cli, ["estimate", str(tmp_path / "w.yaml"), "--prices", str(tmp_path / "prices.yaml"),
                                      "--start", "2026-12", "--months", "2", "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    why = "Not available: p3 on late in 2026-12 (n/a) and part of 2027-01 (*)."
    if fmt == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        rows = list(openpyxl.load_workbook(out)["Plan"].iter_rows(values_only=True))
        assert rows[1][:4] == ("2026-12", 1200, "n/a", 1200) and rows[2][:4] == ("2027-01", 1200, 4400, 5600)
        assert sum(1 for r in rows if r[0] and str(r[0]).startswith("Not available:")) == 1
        assert any(r[0] and str(r[0]).startswith(why) for r in rows)
        return
    text = out.read_text()
    if fmt == "json":
        current = json.loads(text)["plans"][0]
        p3 = next(p for p in current["profiles"] if p["profile"] == "p3")
        assert [(m["month"], m["mark"], D(m["cost_usd"])) for m in p3["months"]] == [
            ("2026-12", "n/a", D(0)), ("2027-01", "partial", D(4400))]
        assert [D(m["cost_usd"]) for m in current["months"]] == [D(1200), D(5600)]
        return
    if fmt == "html":
        table = text.split('<table class="plan-months">', 1)[1].split("</table>", 1)[0]
        assert '<tr><td>2026-12</td><td class="money">1,200.00</td><td class="money not-available"' in table
        assert ">4,400.00*</td>" in table
        assert text.count("Not available: p3 on late") == 1 and why in text
        return
    flat = " ".join(text.split())
    star = "\\*" if fmt == "markdown" else "*"
    assert flat.count("Not available: p3 on late") == 1 and why.replace("*", star) in flat
    rows = [line.replace("|", " ").split() for line in text.split("Not available:")[0].splitlines()]
    # the plan's total leaves out what has no price: marked partial (*), as its profile cells are
    assert ["2026-12", "1,200.00", "n/a", f"1,200.00{star}"] in rows
    assert ["2027-01", "1,200.00", f"4,400.00{star}", f"5,600.00{star}"] in rows


LATE_WORKLOADS = ("schema_version: 1\nprofiles:\n"
                  "  p1: {requests_per_month: 1000000, input_tokens: 1000, output_tokens: 100, models: [alpha]}\n"
                  "  p3: {requests_per_month: 3100000, input_tokens: 1000, output_tokens: 1000,\n"
                  "       models: [late, alpha]}\n")


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "html", "xlsx"])
def test_a_plan_that_leaves_months_out_is_never_called_the_cheapest(tmp_path, fmt):
    """Plan current (p1 alpha, p3 late) leaves out 2026-12 (n/a) and part of 2027-01: its 6,800.00 USD
    (2,400 + 4,400, as above) covers less, so it is not compared. Plans covering every month:
        p3 on alpha: 3,100,000 requests x (1,000 in x 1 + 1,000 out x 2) / 1M = 9,300.00 USD a month
        cheapest = all on alpha: p1 alpha 2 x 1,200 + p3 alpha 2 x 9,300 = 2,400 + 18,600 = 21,000.00 USD
    (a tie: the plan named cheapest is named). No saving is claimed against current."""
    (tmp_path / "prices.yaml").write_text(LATE)
    (tmp_path / "w.yaml").write_text(LATE_WORKLOADS)
    out = tmp_path / f"r.{fmt}"
    result = CliRunner().invoke(cli, ["estimate", str(tmp_path / "w.yaml"), "--prices", str(tmp_path / "prices.yaml"),
                                      "--start", "2026-12", "--months", "2", "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    verdict = ("Plan current leaves out what has no price in 2 months (2026-12, 2027-01): its total is not "
               "comparable with plans that cover every month. Cheapest plan covering every month: cheapest at "
               "21,000.00 USD.")
    if fmt == "json":
        head = json.loads(out.read_text())["headline"]
        assert head["plan"] == "current" and head["left_out"] == ["2026-12", "2027-01"]
        assert head["not_compared"] == ["current"]
        assert head["cheapest"]["plan"] == "cheapest" and D(head["cheapest"]["total"]["cost_usd"]) == D(21000)
        assert head["cheapest"]["saves"] is None and head["cheapest"]["saves_pct"] is None
        return
    if fmt == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        rows = list(openpyxl.load_workbook(out)["Plan"].iter_rows(values_only=True))
        said = " ".join(str(r[0]) for r in rows if r[0])
        assert " ".join(verdict.split(". ")[:1]) in said and "cheapest at 21,000.00 USD." in said
        assert "is the cheapest plan" not in said
        plan_rows = {r[0]: r[2:4] for r in rows if r[0] in ("current", "cheapest", "all on alpha")}
        assert plan_rows == {"current": (6800, 0), "cheapest": (21000, "not comparable"),
                             "all on alpha": (21000, "not comparable")}
        return
    text = out.read_text()
    flat = " ".join(re.sub(r"<[^>]+>", " ", text).split()) if fmt == "html" else " ".join(text.split())
    assert verdict in flat.replace(" .", ".")
    assert "is the cheapest plan" not in flat and "saving" not in flat.split("Alternatives per profile")[0]
    if fmt == "html":
        assert flat.count("not comparable") >= 2  # the plan table's "against plan current" cells
    else:
        assert "current 6,800.00 (leaves months out); cheapest 21,000.00; all on alpha 21,000.00." in flat


def test_a_complete_chosen_plan_names_the_plans_it_does_not_compare(tmp_path):
    """--plan cheapest (21,000.00 USD, above) covers every month; all on alpha ties it at 21,000.00, and
    current (6,800.00) leaves months out: cheapest is the cheapest plan, current is not compared."""
    (tmp_path / "prices.yaml").write_text(LATE)
    (tmp_path / "w.yaml").write_text(LATE_WORKLOADS)
    result = CliRunner().invoke(cli, ["estimate", str(tmp_path / "w.yaml"), "--prices", str(tmp_path / "prices.yaml"),
                                      "--start", "2026-12", "--months", "2", "--plan", "cheapest"])
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert ("Plan cheapest is the cheapest plan. Not compared: plan current (leaves out months without a price)."
            in flat)


def test_html_spend_charts_give_the_all_on_plan_total_not_a_sum_over_profiles(files, tmp_path):
    """Each model's spend chart is labelled with its `all on MODEL` plan's total (every profile lists
    alpha, beta and gamma), in EUR at 0.5: all on alpha (1,200 + 147) x 2 = 2,694 USD = 1,347.00 EUR;
    all on beta (2,100 + 84) x 2 = 4,368 USD = 2,184.00; all on gamma (4,400 + 308) x 2 = 9,416 USD =
    4,708.00. A model only some profiles list has no plan total: the chart says so, with no sum."""
    out = tmp_path / "r.html"
    run(files, "--format", "html", "--output", out)
    subtitles = re.findall(r'class="chart-subtitle"[^>]*>([^<]*)<', out.read_text())
    for model, usd in (("alpha", D(2694)), ("beta", D(4368)), ("gamma", D(9416))):
        assert f"plan all on {model}: €{eur(usd)} over the period" in subtitles
    (tmp_path / "prices.yaml").write_text(LATE)
    (tmp_path / "w.yaml").write_text(LATE_WORKLOADS)
    result = CliRunner().invoke(cli, ["estimate", str(tmp_path / "w.yaml"), "--prices", str(tmp_path / "prices.yaml"),
                                      "--start", "2026-12", "--months", "2", "--format", "html"])
    assert result.exit_code == 0, result.stderr
    subtitles = re.findall(r'class="chart-subtitle"[^>]*>([^<]*)<', result.stdout)
    # all on alpha: p1 2 x 1,200 + p3 2 x 9,300 (see above) = 21,000.00 USD; late: p3 lists it, p1 does not
    assert "plan all on alpha: $21,000.00 over the period" in subtitles
    assert "listed by 1 of 2 profiles: no plan puts every profile on it" in subtitles
