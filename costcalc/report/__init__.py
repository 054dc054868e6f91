"""Renderings: results (DataFrames, quotes, price tables) -> text in a named format. No computation."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Spreadsheets run a cell that starts with = + - @ (or a tab/CR) as a formula; a leading ' keeps
    profile names, tags and paths as text (CSV/formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def markdown_text(value) -> str:
    """Text from a user's file (profile names, tags, log values) safe in Markdown: one line, no HTML
    (GitHub renders `<!--` and tags inside Markdown), no table-breaking pipes."""
    from ..errors import _one_line

    text = _one_line("" if value is None else str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def csv_cell(value) -> str:
    """One CSV cell: exact decimal text, "" for missing, true/false as JSON writes them, text through
    safe_cell."""
    from decimal import Decimal

    from ..money import decimal_text

    if isinstance(value, Decimal):
        return decimal_text(value)
    if value is None or (isinstance(value, float) and value != value):  # NaN: a missing cell
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    return safe_cell(value)


def csv_table(df, extra: dict | None = None) -> str:
    """A frame as CSV, with `extra` columns holding the same value on every row (the price table's
    version and sha256, so each row says which prices made it)."""
    import csv
    import io

    extra = extra or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(df.columns) + list(extra))
    tail = [csv_cell(v) for v in extra.values()]
    for record in df.itertuples(index=False):
        writer.writerow([csv_cell(v) for v in record] + tail)
    return out.getvalue()
