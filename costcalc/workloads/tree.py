"""A workloads source (a YAML or CSV path, YAML text, a pandas DataFrame) as one Node tree.

CSV and DataFrame cells are read with YAML's number rules, so 0.6 is the exact Decimal 0.6; dotted column
names build nested keys: `cache_write.share`, `tiers.batch`, `tags.team`. The tree is checked by read.py.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

from .._validate import Reader
from .._yamlnodes import Node, parse, plain_scalar, read_input
from ..errors import _NO_VALUE, InputError, Problem
from .model import SCHEMA_VERSION


def base_dir(file: str) -> Path:
    return Path(file).resolve().parent if not file.startswith("<") else Path.cwd()


def to_tree(source) -> tuple[Node, str]:
    import pandas as pd  # lazy: `import costcalc.workloads` loads no pandas

    if isinstance(source, pd.DataFrame):
        return _frame_tree(source), "<DataFrame>"
    if isinstance(source, str) and "\n" in source:
        return parse(source, "<text>"), "<text>"
    path = Path(source)
    text, _ = read_input(path)
    if path.suffix.lower() == ".csv":
        return _csv_tree(text, str(path)), str(path)
    return parse(text, str(path)), str(path)


def cell(text: str, file: str, line: int) -> Node:
    """A CSV cell read as a YAML value (numbers exact, `[a, b]` lists); `a;b` also makes a list."""
    text = text.strip()
    if text == "":
        return Node(None, line, "scalar")
    if _PLAIN_WORD.fullmatch(text):  # a name, a tag, a time zone: what YAML would make of it, unparsed
        return Node(plain_scalar(text), line, "scalar")
    if _NUMBER_LIST.fullmatch(text):  # `[0, 1, 2.5]` (traffic hours): the flow sequence YAML would make
        return Node([Node(plain_scalar(item.strip()), line, "scalar") for item in text[1:-1].split(",")
                     if item.strip()], line, "seq")
    try:
        node = parse(text, file)
    except InputError:
        return Node(text, line, "scalar", quoted=True)
    if node.kind == "scalar" and isinstance(node.value, str) and ";" in node.value:
        node = Node([Node(cell(p, file, line).value, line, "scalar")
                     for p in node.value.split(";") if p.strip()], line, "seq")
    set_line(node, line)
    return node


# A word YAML reads as one plain scalar whatever it holds: it starts with a letter (so only the bool and
# null resolvers can claim it: yes, Off, null, ...) and has no space, quote, `:`, `#`, `;`, bracket or other
# indicator. tests/test_workloads_frame.py checks these against the parser.
_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_./+-]*")
# A flow list of plain numbers (digits and dots: 4, 0.5, 010, 1.2.3 are each one plain scalar).
_NUMBER_LIST = re.compile(r"\[ *(?:[0-9][0-9.]* *(?:, *[0-9][0-9.]* *)*)?\]")


def set_line(node: Node, line: int) -> None:
    # Iterative and once per node: YAML aliases make a cell a graph that shares nodes, and walking it
    # as a tree takes exponential time (a 9-level alias chain in one cell is 9^9 visits).
    seen: set[int] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.line = line
        if current.kind == "map":
            pending.extend(current.value.values())
        elif current.kind == "seq":
            pending.extend(current.value)


def _rows_tree(rows: list[tuple[int, dict[str, Node]]], file: str) -> Node:
    profiles: dict[str, Node] = {}
    reader = Reader(file)
    split: dict[str, list[str]] = {}
    for line, cells in rows:
        name_node = cells.pop("name", None) or cells.pop("profile", None)
        if name_node is None or name_node.value in (None, ""):
            raise InputError([Problem(file, line, "name", _NO_VALUE,
                                      "every row needs a profile name (a `name` column)")])
        name = str(name_node.value)
        if name in profiles:
            raise InputError([Problem(file, line, "name", name,
                                      f"duplicate profile (first at line {profiles[name].line})")])
        tree: dict[str, Node] = {}
        for column, node in cells.items():
            if node.value is None and node.kind == "scalar":
                continue  # an empty cell means "not given"
            parts = split.get(column)
            if parts is None:  # the rows share their columns: each name split once
                parts = split[column] = column.split(".")
            target = tree
            for part in parts[:-1]:
                child = target.setdefault(part, Node({}, line, "map"))
                if child.kind != "map":
                    reader.fail(node, column, "conflicts with another column of the same name")
                    raise InputError(reader.problems)
                target = child.value
            if parts[-1] in target:  # `tiers` and `tiers.batch`: which one wins would be arbitrary
                reader.fail(node, column, "conflicts with another column of the same name")
                raise InputError(reader.problems)
            target[parts[-1]] = node
        profiles[name] = Node(tree, line, "map")
    return Node({"schema_version": Node(SCHEMA_VERSION, 1, "scalar"),
                 "profiles": Node(profiles, 1, "map")}, 1, "map")


def _csv_tree(text: str, file: str) -> Node:
    reader = csv.reader(io.StringIO(text))
    try:
        return _csv_rows(reader, file)
    except csv.Error as exc:  # a lone carriage return or NUL in an unquoted cell, a runaway quote...
        raise InputError([Problem(file, reader.line_num or 1, "", _NO_VALUE, f"not valid CSV: {exc}")]) from None


def _csv_rows(reader, file: str) -> Node:
    try:
        header = next(reader)
    except StopIteration:
        raise InputError([Problem(file, 1, "", _NO_VALUE, "the file is empty")]) from None
    header = [h.strip() for h in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:  # which of two equal columns wins would be silent and arbitrary
        raise InputError([Problem(file, 1, repeated[0], _NO_VALUE, "this column appears more than once in the "
                                                                   "header; give each column once")])
    rows = []
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError([Problem(file, line, "", _NO_VALUE,
                                      f"has {len(row)} cells; the header has {len(header)}")])
        rows.append((line, {h: cell(c, file, line) for h, c in zip(header, row)}))
    return _rows_tree(rows, file)


def _missing(value) -> bool:
    """None, NaN, NaT and pd.NA: an empty cell in any column dtype."""
    kind = type(value)  # the usual cells first, as pd.isna answers for them
    if kind is str or kind is int or kind is bool:
        return False
    if kind is float:
        return value != value  # NaN
    import pandas as pd  # lazy: as in to_tree

    if isinstance(value, (list, tuple, dict)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _frame_tree(frame) -> Node:
    columns = [str(column) for column in frame.columns]
    rows = []
    numbers: dict[float, Decimal] = {}  # a float cell's exact Decimal, once per distinct value (they repeat)
    for position, values in enumerate(_frame_rows(frame), start=1):
        rows.append((position, {column: _frame_cell(value, position, numbers)
                                for column, value in zip(columns, values)}))
    return _rows_tree(rows, "<DataFrame>")


def _frame_rows(frame):
    """Each row's values as `frame.iterrows()` gives them, without a Series per row where that changes
    nothing. iterrows makes a Series of each row of `frame.values`: of an object row that Series holds the
    same objects, unless it has no text (pandas then infers a dtype: all Timestamps, ...). A row holding
    text is read as it is (of a row of text and missing values the Series would make None NaN: both are
    missing here); a row without text goes through the Series, as before."""
    import pandas as pd  # lazy: as in to_tree

    values = frame.values
    if values.dtype != object:  # one numeric (or datetime) block: the Series gives Python scalars
        for _, record in frame.iterrows():
            yield list(record)
        return
    for row in values:
        if any(type(v) is str for v in row):
            yield row
        else:
            yield list(pd.Series(row, index=frame.columns))


def _frame_cell(value, position: int, numbers: dict[float, Decimal] | None = None) -> Node:
    kind = type(value)  # the usual cells first, each as the general path below reads it
    if kind is str:
        return cell(value, "<DataFrame>", position)
    if kind is int:
        return Node(value, position, "scalar")
    if kind is float and numbers is not None and value == value and value:  # not NaN; not 0.0 or -0.0
        number = numbers.get(value)
        if number is None:
            number = numbers[value] = Decimal(repr(value))
        return Node(number, position, "scalar")
    if isinstance(value, Decimal) and value.is_snan():  # pd.isna raises on it: refused by the reader instead
        return Node(value, position, "scalar")
    if _missing(value):
        return Node(None, position, "scalar")
    if isinstance(value, (list, tuple)):
        return Node([Node(str(v), position, "scalar") for v in value], position, "seq")
    if isinstance(value, float):
        # repr gives the shortest text that round-trips: 0.6 -> "0.6", exact from then on (of a Python
        # float: numpy 2 writes its float64 as "np.float64(0.6)")
        return Node(Decimal(repr(float(value))), position, "scalar")
    if isinstance(value, bool) or (hasattr(value, "item") and isinstance(value.item(), bool)):
        return Node(bool(value), position, "scalar")
    if hasattr(value, "item") and isinstance(value.item(), int):
        return Node(int(value), position, "scalar")
    if isinstance(value, (int, Decimal)):
        return Node(value, position, "scalar")
    if hasattr(value, "isoformat"):
        return Node(value.isoformat()[:10], position, "scalar")
    return cell(str(value), "<DataFrame>", position)
