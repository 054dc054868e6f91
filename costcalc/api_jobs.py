"""Re-pricing usage log files over several processes (`costcalc reprice --jobs N`, `reprice_totals(jobs=N)`).

Every file is read and priced in Python (JSON lines record by record, CSV and Parquet by column), so a run
over many files is bound by one core. With N jobs each file is re-priced in a worker process of its own into
exact partials (usage/partials.py: sums keyed by the price's value, never by an id a process hands out),
and the partials are merged: the rows, totals (to the last digit), problems and assumptions are those of one
process. Problems keep their one order (files in the order given, then line): every worker is given the
run's whole file list, so each keeps its first problems in that order and the merge keeps the first 1,000.
"Did you mean" goes to the run's first 20 unknown model names (prices/names.py): each worker counts its own
file's, so it reports the ones it hinted, in the order it met them, and the provider of each problem of an
unknown name it keeps; the parent decides over the files in order which names have the hint and gives it to
their problems, or takes it away (`_rehinted`): the problems read as one process's, to the byte.

Why processes, spawned: the pricer is numpy and Python, which threads would share one core for; `spawn`
(not fork) starts clean interpreters, safe with the threads pyarrow or DuckDB may have started in the parent
(a forked child can inherit a held lock), the same on Linux, macOS and Windows. The worker function is at
module level and the module does no work on import, so a spawned child imports it and nothing runs twice.
A script calling `reprice_totals(..., jobs=N)` must start its work under `if __name__ == "__main__":` (spawned
workers import the script's main module; without the guard Python refuses to start them, as multiprocessing
documents); the CLI and notebooks need nothing. The price table goes to each worker pickled (its read-only
mappings as plain dicts), so an overlay or a table built in a notebook prices there exactly as here.

A file is the unit of work: a single file is not split (its lines are numbered by reading it in order).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import pickle
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor

from .errors import CostcalcError
from .prices.model import PriceTable
from .prices.names import Hint, hinted_over
from .usage.partials import Partials, finish_partials, merge_partials
from .usage.read import iter_usage, log_files
from .usage.run import RepriceResult, UnknownRows, hinted_partials, reprice_chunks


def check_jobs(jobs: object) -> int:
    """The number of processes: a whole number, 1 or more."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise CostcalcError(f"jobs: {jobs!r}: must be a whole number of processes, 1 or more")
    return jobs


def reprice_files(paths: Iterable[str], table: PriceTable, models: list[str] | None = None,
                  by: list[str] | None = None, format: str | None = None, mapping: dict[str, str] | None = None,
                  strict: bool = False, jobs: int = 1) -> RepriceResult:
    """What usage.run.reprice_chunks gives over the files, with the files spread over `jobs` processes
    (at most one per file). strict: the first bad record in file order stops the run, as with one job."""
    jobs = check_jobs(jobs)
    files = [str(path) for path in log_files(paths)]  # checked up front; each once, in the order given
    if jobs == 1 or len(files) < 2:
        return reprice_chunks(iter_usage(files, format=format, mapping=mapping, strict=strict), table, models, by,
                              strict, sources=files)
    shipped = _table_bytes(table)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(files)), mp_context=context, initializer=_receive_table,
                             initargs=(shipped,)) as pool:
        futures = [pool.submit(_file_partials, path, models, by, format, mapping, strict, files) for path in files]
        parts: list[tuple[Partials, list[Hint], UnknownRows]] = []
        try:
            for future in futures:  # in file order: an error is the first file's to fail, as with one job
                parts.append(future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    hinted = hinted_over(hints for _, hints, _ in parts)
    hint_of = {(hint.provider, hint.model): hint for _, hints, _ in parts for hint in hints}
    return finish_partials(merge_partials(*(_rehinted(part, rows, hint_of, hinted) for part, _, rows in parts)))


def _rehinted(part: Partials, rows: UnknownRows, hint_of: dict[tuple[str, str], Hint],
              hinted: set[tuple[str, str]]) -> Partials:
    """A file's partials with "did you mean" where one process gives it: for the pairs `hinted` (hinted_over
    the files in order), where the file's worker hinted its own first unknown names. A name a file before it
    met keeps the hint it got there (its worker may have met it past its first 20), one met after the run's
    first SUGGEST_FOR loses it. rows: its kept problems of an unknown name -> their provider (a model can be
    logged under several); hint_of: each pair some worker hinted, with its error with and without the hint."""
    problems = []
    for problem in part.problems:
        provider = rows.get((problem.file, problem.line, str(problem.value)))
        hint = None if provider is None else hint_of.get((provider, str(problem.value)))
        message = problem.message if hint is None else \
            hint.hinted if (hint.provider, hint.model) in hinted else hint.plain
        problems.append(problem if message == problem.message else dataclasses.replace(problem, message=message))
    return dataclasses.replace(part, problems=problems)


# A worker's price table, unpickled once when the worker starts: every file it prices then shares one table
# object, and so the price plan cached for it (usage/price.py: the cuts per group and month, built once).
_TABLE: list[PriceTable] = []


def _receive_table(table: bytes) -> None:
    _TABLE[:] = [pickle.loads(table)]


def _file_partials(path: str, models: list[str] | None, by: list[str] | None, format: str | None,
                   mapping: dict[str, str] | None, strict: bool, sources: Sequence[str]
                   ) -> tuple[Partials, list[Hint], UnknownRows]:
    """A worker's job: one file's exact partials, with the hints its run gave (module level: a spawned
    process imports it by name)."""
    chunks = iter_usage([path], format=format, mapping=mapping, strict=strict)
    return hinted_partials(chunks, _TABLE[0], models, by, strict, sources)


def _table_bytes(table: PriceTable) -> bytes:
    # PriceTable pickles its read-only mappings as dicts and leaves its memo out (its __getstate__, shared
    # with the cache of parsed tables)
    return pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)


__all__ = ["check_jobs", "reprice_files"]
