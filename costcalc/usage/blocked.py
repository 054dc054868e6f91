"""What the re-pricer computes once per slice so that it can price the slice in small blocks (price.py,
`Repricer.blocks`): text columns coded block by block into one numbering, the slice's calendar, a
workspace of per-record buffers, and per model asked the pieces of price found per (group, day).

Why blocks (issue 15): a pass over a whole 1M-record slice makes each per-record temporary a fresh 8 MB
array, which numpy and the C allocator hand back to the system when it is freed; the next call pays a
page fault per 4 KiB to get it again (on virtual machines that return freed memory to their host, 50-80
microseconds each: a measured 3x slowdown after a pause). Priced in blocks of BLOCK_RECORDS rows, every
per-record temporary is a view of a few buffers allocated once per slice and reused by every block, and
small enough to stay in the processor's cache. Everything that does not depend on the records (the cuts,
what a group of records is, the codes of a text value) is built once per slice, when a block first meets
it, and reused by the blocks after it.

Pure computation: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..prices.names import Found, LoggedNames

DAY_SECONDS = 86_400
DAY_NS = DAY_SECONDS * 1_000_000_000
SECOND_NS = 1_000_000_000
# A record whose day has a cut inside it (time-of-day rules): its piece is searched by its second.
SEARCH = np.iinfo(np.int64).min


class TextCodes:
    """Codes of one text column of a slice, block by block, numbered over the whole slice in the order
    values are first met (blocks are coded in row order): `values[code]` is the text. Arrow-backed text
    (pandas `str`) is dictionary-encoded by pyarrow per block (no Python string per record, and about
    twice as fast as pd.factorize on it); a Categorical's codes are its own; anything else is
    pd.factorize'd per block. Only values present in a block get a code."""

    def __init__(self, series: pd.Series):
        self.values: list = []
        self._code: dict = {}
        self._series = series
        self._categories: np.ndarray | None = None
        self._arrow = None
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            self._cat_codes = series.cat.codes.to_numpy()  # the frame's own codes: no copy
            self._categories = np.asarray(series.cat.categories, dtype=object)
            # per category its code here, -1 until a block meets it: each category is looked at once per
            # slice, not once per block (a column of 100,000 categories has that many per block otherwise)
            self._cat_map = np.full(len(self._categories), -1, dtype=np.int64)
        elif getattr(dtype, "storage", None) == "pyarrow" and hasattr(series.array, "__arrow_array__"):
            self._arrow = series.array.__arrow_array__()  # the frame's arrow data: no copy

    def codes(self, start: int, stop: int, out: np.ndarray) -> np.ndarray:
        """The codes of rows [start, stop) written into `out` (int64, at least stop - start long)."""
        n = stop - start
        out = out[:n]
        uniques: list | np.ndarray
        categorical = self._categories is not None and int(self._cat_codes[start:stop].min(initial=0)) >= 0
        if categorical and self._categories is not None:
            local = self._cat_codes[start:stop]
            # the categories this block meets first get codes in the order the rows hold them, as a whole
            # column's pd.factorize numbers them (the order pairs are resolved in, and notes said in)
            met = pd.unique(local)
            new = met[self._cat_map[met] < 0]
            self._cat_map[new] = [self._of(self._categories[i]) for i in new.tolist()]
            np.take(self._cat_map, local, out=out, mode="clip")  # clip: no copy of `out` (codes are in range)
            return out
        if self._arrow is not None:
            import pyarrow as pa  # lazy: the parquet extra; present whenever pandas holds text in arrow
            import pyarrow.compute as pc  # lazy: as above

            block = self._arrow.slice(start, n)
            # one array per block (a block across two chunks of the column is copied: its own dictionary)
            block = block.chunk(0) if block.num_chunks == 1 else pa.concat_arrays(block.chunks)
            if pa.types.is_dictionary(block.type):  # already encoded: its nulls must be encoded as values
                block = block.dictionary_decode()
            encoded = pc.dictionary_encode(block, null_encoding="encode")
            local = encoded.indices.to_numpy(zero_copy_only=False)
            uniques = encoded.dictionary.to_pylist()
        else:  # text of another dtype, or a Categorical with missing values (normalized frames have none)
            local, uniques = pd.factorize(self._series.iloc[start:stop], sort=False, use_na_sentinel=False)
        mapping = np.fromiter((self._of(value) for value in uniques), dtype=np.int64, count=len(uniques))
        np.take(mapping, local, out=out, mode="clip")  # clip: no copy of `out` (indices are in range)
        return out

    def _of(self, value) -> int:
        found = self._code.get(value)
        if found is None:
            found = self._code[value] = len(self.values)
            self.values.append(value)
        return found


class PairCodes:
    """Codes of (provider, model) pairs, numbered over the slice as blocks meet them; their answers (model
    id, error) are `ids[code]`, from `names`.

    Resolving a pair new to the run has effects in order: its notes, and "did you mean" for the run's
    first SUGGEST_FOR unknown names. One pass over the slice had them in the order it numbers pairs: by
    provider, then model, each numbered as first met in the slice (`order[code]`), which blocks do not
    meet them in (the pair of row 35,001 comes before every pair of row 2 when its provider was first met
    in row 1 and theirs in row 2). So a pair new to the run is only found as blocks meet it (an unknown
    name's error without a hint), and `settle` has the effects in one pass's order once the last block is
    coded: no second coding pass over the slice, a sort of its new pairs."""

    def __init__(self, providers: TextCodes, models: TextCodes, names: LoggedNames):
        self.providers, self.models = providers, models
        self._names = names
        self._code: dict[tuple[int, int], int] = {}
        self.ids: list[tuple[str | None, str | None]] = []
        self.order: list[tuple[int, int]] = []  # per code: (provider code, model code)
        self._found: dict[int, Found] = {}  # code -> what a pair new to the run names, until settled

    def codes(self, start: int, stop: int, out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
        """The pair codes of rows [start, stop) written into `out` (`scratch` is overwritten)."""
        n = stop - start
        out, scratch = out[:n], scratch[:n]
        composite = self.providers.codes(start, stop, scratch)
        model = self.models.codes(start, stop, out)
        radix = len(self.models.values)
        np.multiply(composite, radix, out=composite)
        np.add(composite, model, out=composite)  # a mixed-radix (provider, model) code
        if len(self.providers.values) * radix > max(4 * n, 1 << 16):
            # many distinct values in each column (20,000 providers x 20,000 models): a bincount over the
            # whole product space would take gigabytes for a few thousand real pairs; sort instead
            present, index = np.unique(composite, return_inverse=True)
        else:
            present, index = np.flatnonzero(np.bincount(composite)), composite
        mapping = np.zeros(len(present), dtype=np.int64) if index is not composite else \
            np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=np.int64)
        for i, value in enumerate(present.tolist()):
            pair = divmod(value, radix)
            found = self._code.get(pair)
            if found is None:
                found = self._code[pair] = self._new(*pair)
            mapping[i if index is not composite else value] = found
        np.take(mapping, index, out=out, mode="clip")
        return out

    def code_rows(self, start: int, stop: int, size: int, ws: Workspace) -> None:
        """Code rows [start, stop) `size` rows at a time, pricing nothing: their pairs new to the run are
        then found, for `settle` (the codes themselves are dropped: `ws`'s pair and scratch buffers are
        overwritten)."""
        for first in range(start, stop, size):
            m = min(first + size, stop) - first
            self.codes(first, first + m, ws.int64("pair", m), ws.int64("scratch", m))

    def _new(self, p: int, m: int) -> int:
        code = len(self.ids)
        provider, model = str(self.providers.values[p]), str(self.models.values[m])
        answer = self._names.settled(provider, model)
        if answer is None:  # new to the run: found now, settled after the slice's last block
            found = self._found[code] = self._names.find(provider, model)
            answer = (found.model_id, found.error)
        self.ids.append(answer)
        self.order.append((p, m))
        return code

    def provider_of(self, code: int) -> str:
        """The provider text of pair `code`."""
        return str(self.providers.values[self.order[code][0]])

    def may_be_hinted(self, code: int) -> bool:
        """Whether settling may give the pair's error a "did you mean": an unknown name new to the run
        (whether it is among the run's first SUGGEST_FOR depends on the slice's other pairs)."""
        found = self._found.get(code)
        return found is not None and found.error is not None

    def settle(self) -> dict[int, str]:
        """Have the effects of the slice's pairs new to the run, in one pass's order (`order`): their
        notes said, the first unknown names of the run given "did you mean". Returns the codes whose
        error changed (given a hint) and the error now."""
        changed = {}
        for code in sorted(self._found, key=self.order.__getitem__):
            p, m = self.order[code]
            self.ids[code] = self._names.settle(str(self.providers.values[p]), str(self.models.values[m]),
                                                self._found[code])
            error = self.ids[code][1]
            if error != self._found[code].error:
                assert error is not None  # only an unknown name's error changes (given its hint)
                changed[code] = error
        self._found.clear()
        return changed


class SliceNotes:
    """Notes said while a slice is priced in blocks, each kept with the place one pass over the slice says
    it first (`order`: a tuple compared as one pass proceeds); `in_order` lists them so when the slice ends."""

    def __init__(self) -> None:
        self._first: dict[str, tuple] = {}
        self._said = 0  # ties (notes said at one place) keep the order they were said in

    def say(self, order: tuple, text: str) -> None:
        place = (order, self._said)
        self._said += 1
        if text not in self._first or place < self._first[text]:
            self._first[text] = place

    def in_order(self) -> list[str]:
        out = sorted(self._first, key=self._first.__getitem__)
        self._first.clear()
        return out


class SliceClock:
    """The slice's calendar: its first day, a table of the epoch month of each of its days (so a
    record's month is one lookup, not a calendar conversion), and the month range the cut keys span."""

    def __init__(self, ns: np.ndarray, month_start: Callable[[int], int]):
        self.ns = ns  # int64 nanoseconds since 1970 (UTC) per record
        if len(ns):
            self.day_lo = int(ns.min()) // DAY_NS
            day_hi = int(ns.max()) // DAY_NS  # datetime64[ns] spans ~213,000 days at most
        else:
            self.day_lo = day_hi = 0
        self.n_days = day_hi - self.day_lo + 1
        self.month_of_day = np.arange(self.day_lo, day_hi + 1, dtype=np.int64).astype("datetime64[D]") \
            .astype("datetime64[M]").view(np.int64)
        self.month_lo = int(self.month_of_day[0])
        self.n_months = int(self.month_of_day[-1]) - self.month_lo + 1
        self.base = month_start(self.month_lo)  # the first second of the first month
        # the seconds of all the months: groups' cut keys (group x stride + seconds - base) never overlap
        self.stride = month_start(self.month_lo + self.n_months) - self.base

    def days(self, start: int, stop: int, out: np.ndarray) -> np.ndarray:
        """Each record's day since the slice's first day (floored: 23:59:59.9 is still that day)."""
        out = out[:stop - start]
        np.floor_divide(self.ns[start:stop], DAY_NS, out=out)
        np.subtract(out, self.day_lo, out=out)
        return out


class Workspace:
    """Per-record buffers reused block after block: `ws.int64("prompt", n)` is a view of the same array
    for every block (allocated on first use, grown if a longer block comes)."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def array(self, name: str, n: int, dtype) -> np.ndarray:
        found = self._arrays.get(name)
        if found is None or len(found) < n:
            found = self._arrays[name] = np.empty(n, dtype=dtype)
        return found[:n]

    def int64(self, name: str, n: int) -> np.ndarray:
        return self.array(name, n, np.int64)

    def flags(self, name: str, n: int) -> np.ndarray:
        return self.array(name, n, bool)

    def float64(self, name: str, n: int) -> np.ndarray:
        return self.array(name, n, np.float64)


class PieceTable:
    """For one model asked, over one slice: the pieces of price of every (group, month) the blocks met,
    and per (group, day) the outcome in force all day long, or SEARCH when a cut falls inside the day
    (then the record's piece is searched by its second among the group's cut keys). A record's group is
    what decides its rates besides its instant: model, tier, residency, prompt class (see price.py).

    The same answers as one np.searchsorted over every record (`lookup_all`; `table_limit` = 0 forces
    it): the day's first and last second lie in the same piece exactly when no cut falls inside it."""

    def __init__(self, clock: SliceClock, table_limit: int):
        self.clock = clock
        self.table_limit = table_limit
        self.groups: dict[tuple, int] = {}  # (name code, tier code, residency, prompt class) -> group
        self.keys: list[tuple] = []  # the same, by group
        self.built: set[tuple[int, int]] = set()  # (group, month since clock.month_lo)
        self._cuts: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._keys: np.ndarray | None = None
        self._ids: np.ndarray | None = None
        self.table: np.ndarray | None = np.zeros((0, clock.n_days), dtype=np.int64)

    def group(self, key: tuple) -> int:
        found = self.groups.get(key)
        if found is None:
            found = self.groups[key] = len(self.groups)
            self.keys.append(key)
            if self.table is not None and len(self.groups) > len(self.table):
                if 2 * len(self.groups) * self.clock.n_days > self.table_limit:
                    self.table = None  # too many (group, day) pairs for a table: search every record
                else:
                    grown = np.zeros((2 * len(self.groups), self.clock.n_days), dtype=np.int64)
                    grown[:len(self.table)] = self.table
                    self.table = grown
        return found

    def add(self, group: int, month: int, starts: np.ndarray, ids: np.ndarray) -> None:
        """The pieces of a (group, month since month_lo): start second of each and its outcome id."""
        clock = self.clock
        self.built.add((group, month))
        self._cuts[(group, month)] = (group * clock.stride + (starts - clock.base), ids)
        self._keys = None
        if self.table is None:
            return
        # the month's days within the slice's days
        month_days = np.searchsorted(clock.month_of_day, [clock.month_lo + month, clock.month_lo + month + 1])
        days = np.arange(int(month_days[0]), int(month_days[1]), dtype=np.int64)  # month_of_day rises
        day_starts = (clock.day_lo + days) * DAY_SECONDS
        first = np.searchsorted(starts, day_starts, side="right") - 1
        last = np.searchsorted(starts, day_starts + DAY_SECONDS - 1, side="right") - 1
        self.table[group, days] = np.where(first == last, ids[first], SEARCH)

    def _cut_keys(self) -> tuple[np.ndarray, np.ndarray]:
        if self._keys is None:
            parts = [self._cuts[key] for key in sorted(self._cuts)]  # by group then month: keys rise
            self._keys = np.concatenate([keys for keys, _ in parts])
            self._ids = np.concatenate([ids for _, ids in parts])
        assert self._ids is not None
        return self._keys, self._ids

    def search(self, group: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """Outcome ids of records by their group and instant: the last cut key <= group x stride +
        (second - base)."""
        if not len(group):
            return np.zeros(0, dtype=np.int64)
        keys, ids = self._cut_keys()
        seconds = ns // SECOND_NS  # floored: price changes fall on whole seconds
        return ids[np.searchsorted(keys, group * self.clock.stride + (seconds - self.clock.base), side="right") - 1]

    def lookup(self, group: np.ndarray, day: np.ndarray, start: int, out: np.ndarray, scratch: np.ndarray
               ) -> np.ndarray:
        """Outcome ids of a block's records (rows start.. of the slice) into `out`: per (group, day) from
        the table, searched for records on days with a cut inside."""
        if self.table is None:
            out[:] = self.search(group, self.clock.ns[start:start + len(group)])
            return out
        index = scratch[:len(group)]
        np.multiply(group, self.clock.n_days, out=index)
        np.add(index, day, out=index)
        np.take(self.table.reshape(-1), index, out=out, mode="clip")
        rows = np.flatnonzero(out == SEARCH)
        if len(rows):
            out[rows] = self.search(group[rows], self.clock.ns[start + rows])
        return out


__all__ = ["DAY_NS", "PairCodes", "PieceTable", "SEARCH", "SliceClock", "SliceNotes", "TextCodes", "Workspace"]
