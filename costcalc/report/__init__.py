"""Renderings: results (DataFrames, quotes, price tables) -> text in a named format. No computation."""

from decimal import Decimal

from ..errors import _one_line
from ..money import decimal_text

# Why shown cents need not add up to a shown total: every figure is rounded on its own, so it shows the
# same cents whatever else a report holds (another horizon, another model, another log).
ROUNDING_NOTE = "Each amount is rounded to the cent on its own; exact in json and csv."

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value) -> str:
    """Spreadsheets run a cell that starts with = + - @ (or a tab/CR) as a formula; a leading ' keeps
    profile names, tags and paths as text (CSV/formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def markdown_text(value) -> str:
    """Text from a user's file (profile names, tags, log values) safe in Markdown: one line, no HTML
    (GitHub renders `<!--` and tags inside Markdown), no table-breaking pipes."""

    text = _one_line("" if value is None else str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def csv_cell(value) -> str:
    """One CSV cell: exact decimal text, "" for missing, true/false as JSON writes them, instants as
    ISO-8601 UTC, text through safe_cell."""


    if isinstance(value, Decimal):
        return decimal_text(value)
    if value is None or (isinstance(value, float) and value != value) or \
            type(value).__name__ in ("NAType", "NaTType"):  # NaN, pd.NA, NaT: a missing cell
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "strftime") and hasattr(value, "tzinfo"):  # datetime, pandas Timestamp
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return safe_cell(value)


_CSV_SPECIAL = (",", '"', "\r", "\n")


def _csv_quote(text: str) -> str:
    # RFC 4180 quoting, done here rather than by the csv module: its QUOTE_MINIMAL quotes a field only
    # for characters of the chosen line terminator, so with "\n" rows a cell holding a bare CR went out
    # unquoted, every reader ended the row there, and the rest of the cell (=2+2) started a live row.
    if any(c in text for c in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_row(cells) -> str:
    """One CSV record: every cell through csv_cell (formula-neutralized text, exact decimals), quoted
    when it holds a comma, a quote, CR or LF; rows end in \n. The one way costcalc writes CSV."""
    return ",".join(_csv_quote(csv_cell(c)) for c in cells) + "\n"


def csv_text(header, rows) -> str:
    """A whole CSV file: a header row, then `rows` (iterables of cells)."""
    parts = [csv_row(header)]
    parts.extend(csv_row(r) for r in rows)
    return "".join(parts)


def not_available_rows(entries) -> str:
    """CSV rows to put after a file's rows: one comment row per stretch without a price (before a
    model's launch, after its retirement), so the file says what it leaves out. They start with `#`
    (pandas: `read_csv(..., comment="#")`) and hold key=value cells."""
    return "".join(csv_row(["# not available"] + [f"{key}={value}" for key, value in (
        ("profile", e["profile"]), ("model", e["model"]), ("from", e["from"]), ("until", e["until"]),
        ("reason", e["reason"]), ("months", ";".join(e["months"])), ("partial", ";".join(e["partial"])),
        ("detail", e["detail"]))]) for e in entries or ())


def left_out_rows(meta, expected_only: bool = False) -> str:
    """CSV comment rows, like not_available_rows, for the rest of what a file's totals leave out: tool
    calls no fee prices (`# unpriced calls`) and requests `over_limit: exclude` left out (`# over limit
    excluded`), one row per profile, model (tool) and case. `expected_only` for files that hold the
    expected case alone (FOCUS)."""

    def keep(e) -> bool:
        return not expected_only or e.get("case", "expected") == "expected"

    def number(value) -> str:
        return decimal_text(value) if hasattr(value, "as_tuple") else str(value)

    rows = [["# unpriced calls"] + [f"{key}={value}" for key, value in (
        ("profile", e["profile"]), ("model", e["model"]), ("tool", e["tool"]), ("case", e.get("case", "expected")),
        ("calls", number(e["calls"])), ("months", ";".join(e["months"])), ("detail", e["detail"]))]
        for e in meta.get("unpriced_calls") or () if keep(e)]
    rows += [["# over limit excluded"] + [f"{key}={value}" for key, value in (
        ("profile", e["profile"]), ("model", e["model"]), ("case", e.get("case", "expected")),
        ("share", number(e["share"])), ("requests", number(e["requests"])), ("months", ";".join(e["months"])),
        ("detail", e["detail"]))]
        for e in meta.get("over_limit_excluded") or () if keep(e)]
    return "".join(csv_row(r) for r in rows)


def csv_table(df, extra: dict | None = None) -> str:
    """A frame as CSV, with `extra` columns holding the same value on every row (the price table's
    version and sha256, so each row says which prices made it)."""
    extra = extra or {}
    tail = list(extra.values())
    return csv_text(list(df.columns) + list(extra),
                    (list(record) + tail for record in df.itertuples(index=False)))
