"""A workloads source (a YAML or CSV path, YAML text, a pandas DataFrame) as one Node tree.

CSV and DataFrame cells are read with YAML's number rules, so 0.6 is the exact Decimal 0.6; dotted column
names build nested keys: `cache_write.share`, `tiers.batch`, `tags.team`. The tree is checked by read.py.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from .._validate import Reader
from .._yamlnodes import Node, parse, read_input
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
    try:
        node = parse(text, file)
    except InputError:
        return Node(text, line, "scalar", quoted=True)
    if node.kind == "scalar" and isinstance(node.value, str) and ";" in node.value:
        node = Node([Node(cell(p, file, line).value, line, "scalar")
                     for p in node.value.split(";") if p.strip()], line, "seq")
    set_line(node, line)
    return node


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
            parts = column.split(".")
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
    import pandas as pd  # lazy: as in to_tree

    if isinstance(value, (list, tuple, dict)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _frame_tree(frame) -> Node:
    rows = []
    for position, (_, record) in enumerate(frame.iterrows(), start=1):
        cells = {}
        for column, value in record.items():
            if _missing(value):
                cells[str(column)] = Node(None, position, "scalar")
            elif isinstance(value, (list, tuple)):
                cells[str(column)] = Node([Node(str(v), position, "scalar") for v in value], position, "seq")
            elif isinstance(value, float):
                # repr gives the shortest text that round-trips: 0.6 -> "0.6", exact from then on.
                cells[str(column)] = Node(Decimal(repr(value)), position, "scalar")
            elif isinstance(value, bool) or (hasattr(value, "item") and isinstance(value.item(), bool)):
                cells[str(column)] = Node(bool(value), position, "scalar")
            elif hasattr(value, "item") and isinstance(value.item(), int):
                cells[str(column)] = Node(int(value), position, "scalar")
            elif isinstance(value, (int, Decimal)):
                cells[str(column)] = Node(value, position, "scalar")
            elif hasattr(value, "isoformat"):
                cells[str(column)] = Node(value.isoformat()[:10], position, "scalar")
            else:
                cells[str(column)] = cell(str(value), "<DataFrame>", position)
        rows.append((position, cells))
    return _rows_tree(rows, "<DataFrame>")

