"""The HTML report: escaping, charts, totals, determinism, price-change markers, and a real headless
Chromium opening the file (screenshot not blank, charts in the DOM, no console messages)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import costcalc
from costcalc.report.document import dumps, to_document, upgrade, with_plans
from costcalc.report.html import render_html
from costcalc.money import cents

from .helpers import PER_1K_WORKLOADS

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SVG = "{http://www.w3.org/2000/svg}"

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_TAG = "=cmd|' /C calc'!A0"
HOSTILE_WORKLOADS = f"""schema_version: 1
profiles:
  "{HOSTILE_NAME}":
    requests_per_day: 1000
    input_tokens: {{low: 1000, expected: 2000, high: 3000}}
    output_tokens: 200
    start: 2026-12-01
    models: [gpt-5.5, deepseek-v4-pro]
    tags: {{team: "{HOSTILE_TAG}", "a&b": 'x"y'}}
  plain:
    requests_per_month: 50000
    input_tokens: 4000
    output_tokens: 300
    start: 2026-12-01
    models: [deepseek-v4-pro, claude-opus-4-7]
"""


# -- fixtures -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def document():
    """The bundled examples, 12 months: 5 profiles, 12 models, low/high cases."""
    return to_document(costcalc.estimate(months=12, cases=True))  # as the CLI


@pytest.fixture(scope="module")
def hostile():
    return to_document(costcalc.estimate(HOSTILE_WORKLOADS, months=3))


@pytest.fixture(scope="module")
def deepseek_summer():
    """DeepSeek V4-Pro over July-September 2026: its list price ends and peak/off-peak starts 2026-08-16
    16:00 UTC. The bundled examples start in 2026-12, so they are moved to 2026-07."""
    text = (ROOT / "examples" / "workloads.yaml").read_text(encoding="utf-8")
    text = text.replace("start: 2026-12-01", "start: 2026-07-01")
    return to_document(costcalc.estimate(text, models=["deepseek-v4-pro"], start="2026-07", months=3))


def charts(html: str) -> list[ET.Element]:
    """Every chart <svg>, parsed as XML (so each is also well-formed)."""
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in classes(e)]


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


class _Cells(HTMLParser):
    """Text nodes, start tags and table cells with their attributes, as a browser's parser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.texts, self.cells, self._cell = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "td":
            self._cell = [dict(attrs), ""]

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append(tuple(self._cell))
            self._cell = None

    def handle_data(self, data):
        self.texts.append(data)
        if self._cell is not None:
            self._cell[1] += data


def parse(html: str) -> _Cells:
    parser = _Cells()
    parser.feed(html)
    parser.close()
    return parser


def expected_totals(document) -> dict[tuple[str, str], Decimal]:
    out = defaultdict(Decimal)
    for r in document["totals"]:
        if r.get("case", "expected") == "expected":
            out[(r["profile"], r["model"])] += Decimal(r["cost_usd"])
    return out


def money(value: Decimal) -> str:
    return f"{cents(value):,.2f}"


# -- escaping -----------------------------------------------------------------------------------------

def test_hostile_profile_name_and_tag_are_escaped(hostile):
    html = render_html(hostile)
    assert HOSTILE_NAME not in html
    assert "<script" not in html.lower()          # the report has no script at all
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=cmd|&#x27; /C calc&#x27;!A0" in html
    assert "a&amp;b=x&quot;y" in html
    page = parse(html)
    assert not [t for t, _ in page.tags if t == "script"]
    # what a browser shows is the literal text
    shown = "".join(page.texts)
    assert HOSTILE_NAME in shown and HOSTILE_TAG in shown and 'a&b=x"y' in shown
    # attributes carrying the name round-trip exactly (no attribute breaks out)
    assert any(attrs.get("data-profile") == HOSTILE_NAME for _, attrs in page.tags)
    # the charts stay well-formed XML with the name inside (legend, tooltips)
    spend = [c for c in charts(html) if "chart-spend" in classes(c)]
    assert spend and any(HOSTILE_NAME in text_of(c) for c in spend)


def test_hostile_rule_label_is_escaped_in_rules_and_markers(deepseek_summer):
    doc = copy.deepcopy(deepseek_summer)
    evil = '<img src=x onerror="alert(1)">&'
    for row in doc["rows"]:
        if row["rule"] == "peak":
            row["rule"] = evil
    html = render_html(upgrade(doc))  # derived sections (markers) computed again, as loading a file does
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in html
    labels = [text_of(e) for c in charts(html) for e in by_class(c, "price-change-label")]
    assert any(evil in label for label in labels)


# -- charts -------------------------------------------------------------------------------------------

def test_three_chart_kinds_with_titles_axes_ticks_and_legends(document):
    html = render_html(document)
    svgs = charts(html)
    models = list(dict.fromkeys(r["model"] for r in document["rows"]))
    kinds = defaultdict(list)
    for svg in svgs:
        assert "chart" in classes(svg)
        kind = next(c for c in classes(svg) if c.startswith("chart-"))
        kinds[kind].append(svg)
    assert len(kinds["chart-spend"]) == len(models) == 12
    profiles = list(dict.fromkeys(r["profile"] for r in document["meta"]["requests"]))
    assert len(kinds["chart-cumulative"]) == 1 and len(kinds["chart-per-1k"]) == len(profiles) == 5
    assert len(kinds["chart-plan"]) == 1  # the chosen plan's months, first on the page
    for svg in svgs:
        title = svg.find(f"{SVG}title")
        assert title is not None and title.text
        assert svg.get("role") == "img" and svg.get("aria-labelledby")
        assert by_class(svg, "chart-title")
        y_label = text_of(by_class(svg, "axis-label-y")[0])
        x_label = text_of(by_class(svg, "axis-label-x")[0])
        assert "USD ($)" in y_label and "Month" in x_label
        ticks = [text_of(t) for t in by_class(svg, "tick-label")]
        assert any(t.startswith("$") for t in ticks) and "2026-12" in ticks
        assert by_class(svg, "legend-item")
    assert "Spend per month" in text_of(by_class(kinds["chart-spend"][0], "axis-label-y")[0])
    assert "Cumulative" in text_of(by_class(kinds["chart-cumulative"][0], "axis-label-y")[0])
    assert "1,000 requests" in text_of(by_class(kinds["chart-per-1k"][0], "axis-label-y")[0])
    # the cumulative chart has a line per plan (a model's spend over the profiles that list it is no
    # one's bill); spend charts one bar series per profile
    plans = [f"plan {p['name']}" for p in document["plans"]]
    svg = kinds["chart-cumulative"][0]
    assert [text_of(e.find(f"{SVG}title")) for e in by_class(svg, "legend-item")] == plans
    assert len(by_class(svg, "line")) == len(plans)
    # cost per 1,000 requests: a chart per profile, a line per model that profile lists
    for profile, svg in zip(profiles, kinds["chart-per-1k"]):
        listed = list(dict.fromkeys(r["model"] for r in document["meta"]["requests"] if r["profile"] == profile))
        assert svg.find(f"{SVG}title").text == f"{profile}: cost per 1,000 requests"
        assert [text_of(e.find(f"{SVG}title")) for e in by_class(svg, "legend-item")] == listed
        assert len(by_class(svg, "line")) == len(listed)
    gpt = next(s for s in kinds["chart-spend"] if "gpt-5.5" in s.find(f"{SVG}title").text)
    users = {p for (p, m) in expected_totals(document) if m == "gpt-5.5"}
    assert {text_of(e.find(f"{SVG}title")) for e in by_class(gpt, "legend-item")} == users
    # a fixed palette: series colours differ within a chart
    fills = [g.get("fill") for g in by_class(gpt, "series")]
    assert len(fills) == len(set(fills)) == len(users)


def test_charts_show_converted_currency(document):
    doc = copy.deepcopy(document)
    doc["meta"]["fx"] = {"base": "USD", "currency": "EUR", "rate": "0.5", "symbol": "\u20ac", "source": "--fx EUR=0.5"}
    doc["meta"]["currency"] = "EUR"
    doc = upgrade(doc)  # the plan sections hold shown amounts: computed again for the new currency
    html = render_html(doc)
    assert "Money in EUR (\u20ac) at 1 USD = 0.5 EUR (--fx EUR=0.5)" in html
    for svg in charts(html):
        assert "EUR (\u20ac)" in text_of(by_class(svg, "axis-label-y")[0])
        assert all(not text_of(t).startswith("$") for t in by_class(svg, "tick-label"))
    # the cumulative chart's last point of the current plan is its converted total (tooltip, cents): each
    # profile on its first model
    cumulative = next(s for s in charts(html) if "chart-cumulative" in classes(s))
    first = {name: info["models"][0] for name, info in document["meta"]["profiles"].items()}
    total = sum(v for (p, m), v in expected_totals(document).items() if m == first[p]) * Decimal("0.5")
    points = [text_of(p) for p in by_class(cumulative, "point") if text_of(p).startswith("plan current,")]
    assert points[-1].endswith(f"\u20ac{float(total):,.2f}")


def test_cost_per_1k_requests_is_each_profiles_cost_over_its_requests(document):
    html = render_html(document)
    cost, requests = defaultdict(Decimal), defaultdict(Decimal)
    for r in document["totals"]:
        if r.get("case") == "expected":
            cost[(r["profile"], r["model"], r["month"])] += Decimal(r["cost_usd"])
    for r in document["meta"]["requests"]:
        if r.get("case") == "expected":
            requests[(r["profile"], r["model"], r["month"])] += Decimal(r["requests"])
    per_1k = [s for s in charts(html) if "chart-per-1k" in classes(s)]
    tips = set()
    for svg in per_1k:
        profile = svg.find(f"{SVG}title").text.split(":")[0]
        tips.update({(profile, text_of(p)) for p in by_class(svg, "point")})
    value = cost[("doc-analyzer", "gpt-5.5", "2027-03")] / requests[("doc-analyzer", "gpt-5.5", "2027-03")] * 1000
    assert ("doc-analyzer", f"gpt-5.5, 2027-03: ${float(value):,.2f}") in tips
    assert len(tips) == len(requests)  # a point per profile, model and month


def test_cost_per_1k_requests_charts_are_per_profile_by_hand():
    """gpt-5.5 (list 5 in / 30 out per 1M tokens) on both profiles, gpt-5.4-mini (0.75 / 4.50) on `short`.
    Per 1,000 requests: short on gpt-5.5 1,000 x (1,000 x 5 + 100 x 30) / 1M = 8.00; on gpt-5.4-mini
    1,000 x (1,000 x 0.75 + 100 x 4.5) / 1M = 1.20; long on gpt-5.5 1,000 x (100,000 x 5 + 2,000 x 30) / 1M
    = 560.00. Averaged over both profiles gpt-5.5 would show (80 + 560) / 11,000 x 1,000 = 58.18: never."""
    html = render_html(to_document(costcalc.estimate(PER_1K_WORKLOADS, start="2026-12", months=2)))
    per_1k = {svg.find(f"{SVG}title").text: svg for svg in charts(html) if "chart-per-1k" in classes(svg)}
    assert list(per_1k) == ["short: cost per 1,000 requests", "long: cost per 1,000 requests"]
    points = {name.split(":")[0]: sorted(text_of(p) for p in by_class(svg, "point")) for name, svg in per_1k.items()}
    assert points == {"short": ["gpt-5.4-mini, 2026-12: $1.20", "gpt-5.4-mini, 2027-01: $1.20",
                                "gpt-5.5, 2026-12: $8.00", "gpt-5.5, 2027-01: $8.00"],
                      "long": ["gpt-5.5, 2026-12: $560.00", "gpt-5.5, 2027-01: $560.00"]}
    cells = {(a["data-profile"], a["data-model"], a["data-month"]): text for a, text in parse(html).cells
             if "per-1k" in a.get("class", "").split()}
    assert cells == {("short", "gpt-5.5", "2026-12"): "8.00", ("short", "gpt-5.5", "2027-01"): "8.00",
                     ("short", "gpt-5.4-mini", "2026-12"): "1.20", ("short", "gpt-5.4-mini", "2027-01"): "1.20",
                     ("long", "gpt-5.5", "2026-12"): "560.00", ("long", "gpt-5.5", "2027-01"): "560.00"}
    assert "58.18" not in html
    # each chart's y axis is its own: 560 needs a top tick of at least $560 on `long`, `short` tops at $8
    ticks = {name.split(":")[0]: [text_of(t) for t in by_class(svg, "tick-label") if text_of(t).startswith("$")]
             for name, svg in per_1k.items()}
    assert ticks["short"][-1] == "$8" and ticks["long"][-1] == "$600"


# -- totals ---------------------------------------------------------------------------------------------

def test_totals_shown_equal_document_totals_in_cents(document):
    html = render_html(document)
    page = parse(html)
    want = expected_totals(document)
    shown = {(a["data-profile"], a["data-model"]): text for a, text in page.cells
             if "month-total" in a.get("class", "")}
    summary = {(a["data-profile"], a["data-model"]): text for a, text in page.cells
               if "model-total" in a.get("class", "")}
    assert set(shown) == set(summary) == set(want)
    for key, total in want.items():
        assert shown[key] == summary[key] == money(total), key
    # across profiles only plan totals: the current plan is each profile's first model
    plans = {a["data-plan"]: text for a, text in page.cells if "plan-total" in a.get("class", "")}
    first = {name: info["models"][0] for name, info in document["meta"]["profiles"].items()}
    assert plans["current"] == money(sum(v for (p, m), v in want.items() if m == first[p]))
    cheapest = {p: min((v, m) for (q, m), v in want.items() if q == p)[1] for p in first}
    assert plans["cheapest"] == money(sum(v for (p, m), v in want.items() if m == cheapest[p]))
    assert set(plans) == {p["name"] for p in document["plans"]}


def test_each_month_cell_is_its_own_exact_value_in_cents(document):
    """Every shown amount is its exact value rounded on its own (ROUND_HALF_EVEN to the cent), so a month
    shows the same cents whatever else the page holds."""
    exact = defaultdict(Decimal)  # (profile, model, month) -> exact expected-case cost
    for r in document["rows"]:
        if r.get("case", "expected") == "expected":
            exact[(r["profile"], r["model"], r["month"])] += Decimal(r["cost_usd"])
    html = render_html(document)
    tables = re.findall(r'<table class="months".*?</table>', html, flags=re.S)
    profiles = list(document["meta"]["profiles"])
    assert len(tables) == len(profiles)
    checked = 0
    for profile, table in zip(profiles, tables):
        models = re.findall(r'<th class="money">([^<]*)</th>', table)
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:-1]  # months, not the head or total
        for row in rows:
            month = re.findall(r"<td>([^<]*)</td>", row)[0]
            cells = re.findall(r'<td class="money[^"]*"[^>]*>([^<]*)</td>', row)
            for model, cell in zip(models, cells):
                if (profile, html_unescape(model), month) in exact:
                    assert cell == money(exact[(profile, html_unescape(model), month)]), (profile, model, month)
                    checked += 1
    assert checked >= 12 * len(profiles)


def html_unescape(text: str) -> str:
    import html as html_module

    return html_module.unescape(text)


def test_currency_conversion_of_totals(document):
    doc = copy.deepcopy(document)
    doc["meta"]["fx"] = {"base": "USD", "currency": "EUR", "rate": "0.92", "symbol": "\u20ac", "source": None}
    # the derived sections (plans, comparisons) follow meta: computed again, as loading a saved one does
    page = parse(render_html(with_plans(doc)))
    shown = {(a["data-profile"], a["data-model"]): text for a, text in page.cells
             if "month-total" in a.get("class", "")}
    for key, total in expected_totals(document).items():
        assert shown[key] == money(total * Decimal("0.92"))


def test_metadata_rules_and_assumptions(document):
    html = render_html(document)
    meta = document["meta"]
    assert meta["price_table"]["sha256"] in html and meta["price_table"]["version"] in html
    for note in meta["assumptions"]:
        assert note.replace("'", "&#x27;").replace('"', "&quot;") in html
    text = "".join(parse(html).texts)
    assert "costcalc estimate: 2026-12 for 12 months, scenario actual, USD" in text
    assert "Money in USD ($)." in text
    for info in meta["profiles"].values():
        assert info["summary"] in text
    rules = re.search(r'<table class="rules">.*?</table>', html, flags=re.S).group(0)
    for model, rule in {(r["model"], r["rule"]) for r in document["rows"]}:
        assert re.search(rf"<td>{re.escape(model)}</td><td class=\"mono\">{re.escape(rule)}</td>", rules)
    # the example's prices are steady (daily peak windows are not changes) except Gemini 3.6 Flash, whose
    # introductory price ends on 2027-01-01: only its chart carries a price-change marker
    spend = [c for c in charts(html) if "chart-spend" in classes(c)]
    marked = [c.find(f"{SVG}title").text for c in spend if by_class(c, "price-change")]
    assert len(marked) == 1 and "gemini-3.6-flash" in marked[0]


# -- determinism ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_deterministic_bytes(document):
    first = render_html(document)
    assert render_html(document) == first
    assert render_html(json.loads(dumps(document))) == first   # a saved document renders the same
    assert render_html(copy.deepcopy(document)) == first


def test_empty_document_renders():
    doc = to_document(costcalc.estimate(HOSTILE_WORKLOADS, start="2020-01", months=2))
    assert not doc["rows"]
    html = render_html(doc)
    assert "No cost lines" in html and html == render_html(doc)


# -- price-change markers -------------------------------------------------------------------------------

def test_deepseek_price_change_marked_in_august(deepseek_summer):
    html = render_html(deepseek_summer)
    spend = [c for c in charts(html) if "chart-spend" in classes(c)]
    assert len(spend) == 1 and "deepseek-v4-pro" in spend[0].find(f"{SVG}title").text
    markers = by_class(spend[0], "price-change")
    assert len(markers) == 1
    label = text_of(by_class(markers[0], "price-change-label")[0])
    assert label == "off-peak, peak"
    detail = markers[0].find(f"{SVG}title").text
    assert "2026-08-16 16:00 UTC" in detail and "list no longer applies" in detail
    # drawn inside August's band (months: 2026-07, 2026-08, 2026-09), about half-way through
    line = by_class(markers[0], "price-change-line")[0]
    ticks = {text_of(t): float(t.get("x"))
             for t in by_class(spend[0], "tick-label") if t.get("text-anchor") == "middle"}
    band = ticks["2026-09"] - ticks["2026-08"]
    x = float(line.get("x1"))
    assert ticks["2026-08"] - band / 2 < x < ticks["2026-08"] + band / 2
    assert abs((x - (ticks["2026-08"] - band / 2)) / band - (15 * 24 + 16) / (31 * 24)) < 0.01
    assert "Price changes: deepseek-v4-pro: off-peak, peak from 2026-08-16 16:00 UTC" in html


# -- a real browser -------------------------------------------------------------------------------------

def png_pixels(path: Path) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into a (height, width, channels) array: zlib
    and the five PNG row filters, no imaging library."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1)
        if kind == 0:
            row = line.copy()
        elif kind == 1:   # Sub: running sum per channel
            row = (np.cumsum(line.reshape(width, bpp).astype(np.int64), axis=0) % 256).astype(np.uint8).ravel()
        elif kind == 2:   # Up
            row = line + previous
        else:             # Average, Paeth: sequential along the row
            cur, up = bytearray(line.tobytes()), previous.tobytes()
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b = up[i]
                if kind == 3:
                    cur[i] = (cur[i] + ((a + b) >> 1)) & 0xFF
                else:
                    c = up[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
            row = np.frombuffer(bytes(cur), dtype=np.uint8)
        out[y] = row
        previous = row
    return out.reshape(height, width, bpp)


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    # No background networking, updates, sync, QUIC or proxy lookups: the page is a local file, and
    # the suite must stay quiet under a network sandbox.
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-extensions", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-quic", "--no-proxy-server", "--disable-default-apps",
               "--disable-domain-reliability", "--disable-client-side-phishing-detection",
               f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=1",
               *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=tmp)


def console_lines(stderr: str) -> list[str]:
    """Page console output (errors, CSP violations, uncaught exceptions) as Chromium logs it."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM),
                                    reason=f"{CHROMIUM} not installed (Debian package `chromium`; CI installs it)")


@pytest.mark.slow
@needs_chromium
def test_browser_renders_charts_without_console_errors(deepseek_summer, tmp_path):
    html = render_html(deepseek_summer)
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")

    dom = chromium("--dump-dom", page.as_uri(), tmp=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_lines(dom.stderr) == []
    # the browser built the charts: every chart svg, the bars and the price-change marker are in the DOM
    assert len(re.findall(r'<svg [^>]*class="chart chart-spend"', dom.stdout)) == 1
    assert len(re.findall(r'<svg [^>]*class="chart chart-cumulative"', dom.stdout)) == 1
    profiles = {r["profile"] for r in deepseek_summer["meta"]["requests"]}
    assert len(re.findall(r'<svg [^>]*class="chart chart-per-1k"', dom.stdout)) == len(profiles) == 5
    assert dom.stdout.count('class="bar"') >= 3 and 'class="price-change"' in dom.stdout
    assert "<script" not in dom.stdout

    shot = tmp_path / "shot.png"
    run = chromium(f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri(), tmp=tmp_path)
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert console_lines(run.stderr) == []
    pixels = png_pixels(shot)
    assert pixels.shape[:2] == (2000, 1280)
    rgb = pixels[:, :, :3].reshape(-1, 3)
    colours = np.unique(rgb[:: 7], axis=0)
    assert len(colours) > 50, f"only {len(colours)} colours: blank page?"
    not_white = (rgb < 245).any(axis=1).mean()
    assert 0.02 < not_white < 0.9, f"{not_white:.3f} of the page is not white"
    # the palette's first colour (the first profile's bars) is on screen
    assert ((rgb == (0x00, 0x72, 0xB2)).all(axis=1)).sum() > 500


@pytest.mark.slow
@needs_chromium
def test_browser_console_check_catches_errors(tmp_path):
    """The console check is not vacuous: a script error and a blocked external load are reported."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                    "content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body><p>x</p>"
                    '<img src="https://example.invalid/x.png"><script>undefined_function();</script>'
                    "</body></html>", encoding="utf-8")
    run = chromium("--dump-dom", page.as_uri(), tmp=tmp_path)
    lines = console_lines(run.stderr)
    assert any("Uncaught" in line for line in lines)
    assert any("Content Security Policy" in line for line in lines)


def test_price_change_markers_are_computed_once_in_the_document_and_charts_draw_them():
    """The document holds the markers (DeepSeek V4-Pro's spring 2026: the promotion from 2026-04-25 16:57
    UTC, its cache-hit cut on 04-26 12:15, its end on 05-31 16:00 UTC, per pricing.yaml); the HTML report
    draws exactly those, so a renderer never computes its own."""
    frame = costcalc.estimate(months=3, start="2026-04", models=["deepseek-v4-pro"],
                              overrides=[("*", "start", "2026-04-01")])
    document = to_document(frame)
    markers = document["price_changes"]["deepseek-v4-pro"]
    assert [(m["at"], m["label"]) for m in markers] == [
        ("2026-04-25T16:57:00Z", "promo"), ("2026-04-26T12:15:00Z", "promo re-priced"),
        ("2026-05-31T16:00:00Z", "promo ends")]
    # position: months from the period's start; 04-25 16:57 is (24 days + 16 h 57 min) into April's 30 days
    assert markers[0]["position"] == pytest.approx((24 * 1440 + 16 * 60 + 57) / (30 * 1440))
    tampered = copy.deepcopy(document)
    tampered["price_changes"]["deepseek-v4-pro"][0]["label"] = "marker-from-the-document"
    assert "marker-from-the-document" in render_html(tampered)
    assert "marker-from-the-document" not in render_html(document)
