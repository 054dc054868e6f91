"""Renderings: results (DataFrames, quotes, price tables) -> text in a named format. No computation."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Spreadsheets run a cell that starts with = + - @ (or a tab/CR) as a formula; a leading ' keeps
    profile names, tags and paths as text (CSV/formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
