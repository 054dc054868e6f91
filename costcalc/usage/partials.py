"""Mergeable exact partial results of re-pricing: what a run over one part of a log (a file, a chunk, a
partition on a cluster, an engine's SQL) hands back, merged in any grouping and any order, and finished
into the same `RepriceResult` one run over the whole log gives, to the last digit.

Why the sums are keyed by the outcome's VALUE (model, billed model, provider, rule, rates and fees as
exact Decimals) and never by an outcome id: ids are handed out in the order a process meets the pieces
of price, so two processes give the same id to different prices. Merging by id adds tokens billed at one
rate to tokens billed at another, silently (a measured 248k USD instead of 510k). A value key cannot.

Every part is an integer or a set-like collection, so merging is associative and commutative:
- token and call sums, record counts, counts of records an --as model could not price: added;
- problems: the first KEEP_PROBLEMS of the union in ONE order (`problem_order`): files in the order the run
  was given (`sources`), then line (a frame's row), then key, message and value; so which part, process or
  engine a problem came from does not change which are listed (every bad record is still counted);
- assumptions: a set, listed sorted (a defined order whatever the order the parts were merged in).

Pure computation: no I/O.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import Problem
from .price import KEEP_PROBLEMS, Outcome, unpriced_by_label, unpriced_notes
from .result import RepriceResult
from .totals import components_frame, rows_frame

# (group labels, priced_as label, outcome, estimated) -> [records, 6 token sums, 3 call sums]
SumKey = tuple[tuple[str, ...], str, Outcome, bool]


def problem_order(problem: Problem, sources: Sequence[str] = ()) -> tuple:
    """The one order problems are listed and kept in (local runs, merged partials, DuckDB, --jobs): the
    file's place in `sources` (the files in the order the run was given; a file named twice keeps its first
    place; files not named come after them, by name), then line, then what tells two problems of one line
    apart."""
    return _order_key(sources)(problem)


def _order_key(sources: Sequence[str]) -> Callable[[Problem], tuple]:
    rank: dict[str, int] = {}
    for place, name in enumerate(sources):
        rank.setdefault(name, place)
    last = len(sources)

    def key(problem: Problem) -> tuple:
        return (rank.get(problem.file, last), problem.file, problem.line or 0, problem.key, problem.message,
                str(problem.value))
    return key


def first_problems(problems: Iterable[Problem], sources: Sequence[str] = (), keep: int = KEEP_PROBLEMS
                   ) -> list[Problem]:
    """The first `keep` of `problems` in problem_order, sorted: the one home of which problems are listed."""
    return heapq.nsmallest(keep, problems, key=_order_key(sources))


def merged_sources(*lists: Sequence[str]) -> tuple[str, ...]:
    """The file order of merged parts: every part's `sources` must be a prefix of the longest (a part that
    names no files, (), orders them by name and merges with any). Two runs given their files in different
    orders cannot be merged: which problems are first would depend on which order won."""
    longest: tuple[str, ...] = ()
    for names in sorted((tuple(n) for n in lists), key=len):
        if longest != names[:len(longest)]:
            raise ValueError(f"cannot merge partials whose files were given in different orders: "
                             f"{list(longest)} and {list(names)}; give every part the run's file order (sources=)")
        longest = names
    return longest


@dataclass
class Partials:
    """Exact partial sums of a re-pricing run, keyed by value (see the module's text). Picklable."""

    by: list[str]  # grouping keys (month, day, tag:NAME), as totals.check_by returns them
    models: list[str]  # --as model ids, in the order asked
    price_table: dict  # PriceTable.meta(): parts priced on different tables do not merge
    sums: dict[SumKey, list[int]] = field(default_factory=dict)
    records: int = 0  # read, good and bad
    priced: int = 0
    reported: int = 0
    problems: list[Problem] = field(default_factory=list)  # the first KEEP_PROBLEMS in problem_order
    notes: set[str] = field(default_factory=set)  # assumptions the pricing made
    unpriced_as: dict[tuple[str, str], int] = field(default_factory=dict)  # (--as model, reason) -> records
    unpriced_calls: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)  # (label, model,
    #                                                      tool) -> [records, calls] no fee priced
    sources: tuple[str, ...] = ()  # the run's files in the order given: problem_order's first key

    @property
    def labels(self) -> list[str]:
        """The priced_as labels: `logged`, then each --as model."""
        return ["logged"] + list(self.models)

    def items(self) -> Iterable[tuple]:
        """What totals.rows_frame takes: (labels, target index, outcome, estimated, sums)."""
        index = {label: i for i, label in enumerate(self.labels)}
        for (labels, label, outcome, estimated), sums in self.sums.items():
            yield labels, index[label], outcome, estimated, sums


def _check_compatible(a: Partials, b: Partials) -> None:
    for name in ("by", "models"):
        if getattr(a, name) != getattr(b, name):
            raise ValueError(f"cannot merge partials with different {name}: {getattr(a, name)} and "
                             f"{getattr(b, name)}")
    if a.price_table.get("sha256") != b.price_table.get("sha256"):
        raise ValueError(f"cannot merge partials priced on different price tables: "
                         f"{a.price_table.get('sha256')} and {b.price_table.get('sha256')}")


def merge_partials(*parts: Partials, keep_problems: int = KEEP_PROBLEMS) -> Partials:
    """One Partials holding the sums of all `parts` (at least one). Associative and commutative:
    any grouping and any order of merges give equal results. The parts are not modified."""
    if not parts:
        raise ValueError("merge_partials needs at least one Partials")
    first = parts[0]
    out = Partials(list(first.by), list(first.models), dict(first.price_table),
                   sources=merged_sources(*(part.sources for part in parts)))
    for part in parts:
        _check_compatible(first, part)
        for key, sums in part.sums.items():
            found = out.sums.get(key)
            out.sums[key] = list(sums) if found is None else [a + b for a, b in zip(found, sums)]
        out.records += part.records
        out.priced += part.priced
        out.reported += part.reported
        out.notes |= part.notes
        for as_key, count in part.unpriced_as.items():
            out.unpriced_as[as_key] = out.unpriced_as.get(as_key, 0) + count
        for calls_key, (records, calls) in part.unpriced_calls.items():
            entry = out.unpriced_calls.setdefault(calls_key, [0, 0])
            entry[0] += records
            entry[1] += calls
    out.problems = first_problems((p for part in parts for p in part.problems), out.sources, keep_problems)
    return out


def finish_partials(partials: Partials, components: bool = False) -> RepriceResult:
    """The RepriceResult of the whole run: rows and totals computed exactly from the merged sums,
    assumptions sorted, then what --as models and tool fees left out (sorted by model, tool)."""

    items = list(partials.items())
    notes = unpriced_notes(partials.unpriced_as, partials.unpriced_calls)
    return RepriceResult(rows_frame(partials.by, partials.labels, items), list(partials.by), list(partials.models),
                         partials.records, partials.priced, partials.reported,
                         first_problems(partials.problems, partials.sources),
                         sorted(partials.notes) + notes, dict(partials.price_table),
                         components_frame(partials.by, partials.labels, items) if components else None,
                         unpriced_by_label(partials.labels, partials.unpriced_calls))


__all__ = ["Partials", "finish_partials", "first_problems", "merge_partials", "merged_sources", "problem_order"]
