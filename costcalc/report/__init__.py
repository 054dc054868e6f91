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
