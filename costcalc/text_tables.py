"""Tables as text: aligned plain text for the terminal (no colours, no box drawing, safe to pipe) and
Markdown (GitHub pipe tables) - the one table writer every text and Markdown rendering uses.

Terminal outputs stay within `WIDTH` columns: a table wider than that is printed in blocks of columns
(the leading key columns repeated in each, as pandas prints a wide frame), and prose is wrapped.
Cells are written as given: a caller escapes text from users' files (report.markdown_text) first.
"""

from __future__ import annotations

from collections.abc import Sequence

WIDTH = 100  # the widest line a terminal output prints


def render(headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool] | None = None,
           indent: int = 0, width: int | None = None, keep: int = 1) -> str:
    """Columns padded to their widest cell; `right[i]` right-aligns column i (numbers).

    With `width`, a table wider than that is split into blocks of columns that each fit, separated by a
    blank line; the first `keep` columns (what names a row) start every block, so each block reads on its
    own. A block holds at least one other column, however wide."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    right = list(right or [False] * len(headers))
    keep = min(keep, len(headers))

    def block(columns: list[int]) -> list[str]:
        pad = " " * indent
        lines = []
        for n, row in enumerate(cells):
            parts = [row[i].rjust(widths[i]) if right[i] else row[i].ljust(widths[i]) for i in columns]
            lines.append(pad + "  ".join(parts).rstrip())
            if n == 0:
                lines.append(pad + "  ".join("-" * widths[i] for i in columns))
        return lines

    def span(columns: list[int]) -> int:
        return indent + sum(widths[i] for i in columns) + 2 * (len(columns) - 1)

    everything = list(range(len(headers)))
    if width is None or span(everything) <= width or keep >= len(headers):
        return "\n".join(block(everything))
    blocks, current = [], list(range(keep))
    for i in range(keep, len(headers)):
        if len(current) > keep and span(current + [i]) > width:
            blocks.append(current)
            current = list(range(keep))
        current.append(i)
    blocks.append(current)
    return "\n\n".join("\n".join(block(columns)) for columns in blocks)


def markdown(headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool] | None = None) -> str:
    """A Markdown pipe table; `right[i]` right-aligns column i (`---:`)."""
    right = list(right or [False] * len(headers))
    lines = ["| " + " | ".join(str(h) for h in headers) + " |",
             "|" + "".join("---:|" if r else "---|" for r in right)]
    lines += ["| " + " | ".join("" if c is None else str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool] | None = None,
          markdown_table: bool = False, indent: int = 0) -> str:
    """A Markdown table, or an aligned plain-text one indented by `indent` spaces."""
    if markdown_table:
        return markdown(headers, rows, right)
    return render(headers, rows, right=right, indent=indent)


def wrap(text: str, width: int = WIDTH, initial: str = "", subsequent: str | None = None) -> list[str]:
    """`text` as lines of at most `width` columns, broken at spaces; the first line starts with `initial`,
    the others with `subsequent` (default: as many spaces). A word longer than a line (a URL) is broken
    after a `/` (or anywhere, if it has none) and its pieces each start a line of their own, so no line is
    ever wider than `width` and no space is ever put inside a word."""
    subsequent = " " * len(initial) if subsequent is None else subsequent
    lines: list[str] = []
    line = initial
    empty = True  # nothing but the indent on `line` yet

    for word in text.split():
        pieces, rest = [], word
        limit = width - max(len(initial), len(subsequent))
        while len(rest) > limit:
            cut = rest.rfind("/", 0, limit) + 1 or limit
            pieces.append(rest[:cut])
            rest = rest[cut:]
        pieces.append(rest)
        for n, piece in enumerate(pieces):
            fits = len(line) + (0 if empty else 1) + len(piece) <= width
            if not empty and (not fits or n > 0):
                lines.append(line)
                line, empty = subsequent, True
            line += ("" if empty else " ") + piece
            empty = False
    lines.append(line.rstrip())
    return lines
