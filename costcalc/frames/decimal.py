"""An exact decimal dtype for pandas ("decimal"): money that pandas treats as numbers.

Why not `pd.ArrowDtype(pa.decimal128(38, 18))`, the usual route: measured with pandas 3.1 and pyarrow 26,
Arrow decimals (decimal128(38, 18) and decimal256(76, 38) alike) fail `s * 2` and `s / 3` ("Decimal
precision out of range"), `s - s` on decimal128(38, 18), `nlargest` ("No matching signature"), `cumsum`
and `describe`, and `s * 0.92` silently becomes float64. costcalc's cost lines carry up to 50
significant digits (a traffic share like 154/720 divided at 50 digits), more than decimal128 holds. And
pyarrow would become a core dependency (about 40 MB installed and 0.1-0.2 s more at import).

So this module is a small pandas ExtensionArray over what the projection already builds: a NumPy object
array of Python `Decimal`s (wrapping it costs nothing), or a function that makes that array when a value
is first needed (`DecimalArray.deferred`: the projection's 2-million-line frames keep integer numerators
until then; building the frame, its length, selecting or dropping columns, group sizes and passing the frame
on make no Decimal, nor do its sums and groupby sums and means where the maker can (the projection's: see
`deferred`); a filter, a list of rows or take() gives a deferred array of those rows (made, when read,
from those rows only if the maker can: see `deferred`); a slice (head), count() and reading a value make
the whole column, once).
Every operation runs in an explicit context, never Python's default 28 digits (which would silently round
a 50-digit amount):

- `+ - *`, sums, cumulative sums and group sums: 120 significant digits (as `money.exact_sum`), so they are
  exact for amounts of up to 50 digits (a total always equals the lines it sums, in any order);
- `/` and means: 50 significant digits, ROUND_HALF_EVEN (as the projection's one division); `x / 0` is NA;
- a float operand is taken by its shortest repr: `s * 0.92` multiplies by Decimal("0.92"), what was
  typed, not by 0.92000000000000003996802888650563545525074005126953125;
- `round(n)` quantizes with ROUND_HALF_EVEN (the project's rounding of shown amounts);
- `std`/`var` are Decimals too (50 digits; the square root at 50 digits); `describe()` is Float64 (pandas
  builds it so for every extension dtype).

What pandas sees: `_is_numeric` (so `select_dtypes("number")`, `.plot()`, `describe`, `pivot_table`
take the column); `np.asarray(column)` is float64 (NumPy and matplotlib numbers; `nlargest` ranks by it
and returns the exact values), while `.to_numpy()`, `.tolist()`, iteration, `.sum()` and
`.astype(object)` give the exact Decimals. Missing values are `pd.NA`.

Saving: `to_parquet` writes Arrow `decimal128(38, 18)`: 20 integer digits and 18 decimal places
(1e-18 USD), which DuckDB, Spark, Polars and pyarrow all read as numbers; digits past the 18th place are
rounded half-even (a 50-digit line changes by less than 5e-19; a column whose values reach 1e20 goes out
as decimal256(76, 38)). `read_parquet` gives this dtype back (pandas records the dtype name). `to_csv`
writes plain decimal text (no exponent: `0`, never `0E-65`; `0.0000001`, not `1E-7`), and `to_excel`
numbers (openpyxl takes Decimals; Excel keeps 15 digits).

Display (`print(df)`): `display.precision` decimal places (6 by default) and at least 3 significant
digits; a value cut short ends in "…" (the value itself stays exact).

One module (about 940 lines) with one job, the dtype: pandas' ExtensionArray protocol is one interface
(the dtype, the array, and the reductions, ranks, quantiles and group operations pandas calls back into),
and every part of it works in the same two decimal contexts on the same object arrays. A split would
leave each half importing the other's private helpers.
"""

from __future__ import annotations

import decimal
import itertools
import numbers
import operator
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.api.extensions import (
    ExtensionArray,
    ExtensionDtype,
    register_extension_dtype,
)
from pandas.api.types import is_list_like
from pandas.core import roperator
from pandas.core.arraylike import OpsMixin

from ..money import DIVIDE, EXACT, UNBOUNDED, decimal_places, decimal_text

if TYPE_CHECKING:
    from pandas.api.typing import NAType

# + - * and sums at money.EXACT (120 digits: sums and products of 50-digit amounts exact); division, the
# one inexact step, at money.DIVIDE's 50 digits, with x / 0 and 0 / 0 let through to become NA below.
_DIVIDE_TO_NA = DIVIDE.copy()
_DIVIDE_TO_NA.traps[decimal.DivisionByZero] = False
_DIVIDE_TO_NA.traps[decimal.InvalidOperation] = False
_ZERO = Decimal(0)
_MAX_PARQUET_128 = Decimal(10) ** 20  # decimal128(38, 18): 20 digits before the point
_SCALE_128 = Decimal(1).scaleb(-18)
_SCALE_256 = Decimal(1).scaleb(-38)
_TINY = Decimal("1e-6")  # str() of a smaller non-zero Decimal uses an exponent


class PlainDecimal(Decimal):
    """A Decimal whose str() is plain decimal text (0, 0.0000001, 1000), never an exponent: what
    `astype(object)` hands `to_csv` for the values whose own str() would have one."""

    __slots__ = ()

    def __str__(self) -> str:
        return plain_text(self)

    def __repr__(self) -> str:
        return f"Decimal('{plain_text(self)}')"


# 5.220 -> '5.22', 1E-7 -> '0.0000001', 1E+3 -> '1000', 0E-65 -> '0': money's exact text, under this module's name
plain_text = decimal_text


@register_extension_dtype
class DecimalDtype(ExtensionDtype):
    """Exact Decimal values (see the module docstring). `pd.Series(values, dtype="decimal")`."""

    name = "decimal"
    type = Decimal
    kind = "O"
    na_value = pd.NA
    _is_numeric = True

    @classmethod
    def construct_array_type(cls):
        return DecimalArray

    def __from_arrow__(self, array) -> DecimalArray:
        """Arrow decimals (what to_parquet wrote) back to Decimals; read_parquet calls this."""
        chunks = array.chunks if hasattr(array, "chunks") else [array]
        values = [v for chunk in chunks for v in chunk.to_pylist()]
        return DecimalArray._from_sequence(values)

    def _get_common_dtype(self, dtypes):
        return self if all(isinstance(t, DecimalDtype) for t in dtypes) else None


def _is_na(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, Decimal):
        return value.is_nan()
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    return False


def missing_mask(values: np.ndarray) -> np.ndarray:
    """Where an object array of a DecimalArray holds pd.NA: its one missing value (to_decimal and
    _object_array make None, NaN and NaT pd.NA), so the mask is an identity test, made on the object
    pointers the array holds, as integers: about 1 ms per million values, where pd.isna checks every value
    for None, NaN and NaT and calls each Decimal's own comparison to rule out Decimal('NaN') (37 ms)."""
    return np.asarray(_Pointers(values)) == id(pd.NA)


class _Pointers:
    """An object ndarray's pointers as a read-only uintp array over the same memory, through NumPy's array
    interface (NumPy refuses `.view(np.uintp)` of an "array of references"); NumPy keeps this object, and
    with it the object array, alive as long as the integer array."""

    __slots__ = ("__array_interface__", "values")

    def __init__(self, values: np.ndarray):
        if values.dtype != object:
            raise TypeError(f"expected an object array, got {values.dtype}")
        self.values = values
        self.__array_interface__ = {"shape": values.shape, "strides": values.strides, "version": 3,
                                    "typestr": np.dtype(np.uintp).str,
                                    "data": (values.__array_interface__["data"][0], True)}


def to_decimal(value: object) -> Decimal | NAType:
    """One value as a Decimal: ints exactly, floats by their shortest repr (0.92 -> Decimal('0.92')),
    text parsed; None, NaN and NA -> pd.NA. Infinities and other types are a TypeError or ValueError."""
    if isinstance(value, Decimal):
        if value.is_nan():
            return pd.NA
        if value.is_infinite():
            raise ValueError(f"{value} is not a finite amount")
        return value
    if _is_na(value):
        return pd.NA
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{value!r} is a boolean, not an amount")
    if isinstance(value, (int, np.integer)):
        return Decimal(int(value))
    if isinstance(value, (float, np.floating)):
        if value in (float("inf"), float("-inf")):
            raise ValueError(f"{value} is not a finite amount")
        return Decimal(repr(float(value)))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace("_", ""))
        except decimal.InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
        return to_decimal(number)
    if isinstance(value, numbers.Rational):  # fractions.Fraction: divided at 50 digits
        return DIVIDE.divide(Decimal(int(value.numerator)), Decimal(int(value.denominator)))
    raise TypeError(f"{value!r} ({type(value).__name__}) is not an amount")


def _object_array(values) -> np.ndarray:
    """values -> an object ndarray of Decimals and pd.NA (validated and converted)."""
    if isinstance(values, DecimalArray):
        return values._data.copy()
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.array
    if isinstance(values, DecimalArray):
        return values._data.copy()
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        out = np.empty(len(values), dtype=object)
        out[:] = [Decimal(v) for v in values.tolist()]
        return out
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return _object_array(values.tolist())
    if isinstance(values, ExtensionArray):  # Int64, Float64, Arrow...: through objects, NA kept
        values = values.to_numpy(dtype=object, na_value=pd.NA)
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    if pd.api.types.infer_dtype(array, skipna=True) == "decimal":  # C-speed check: all Decimal or NA
        missing = pd.isna(array)
        if missing.any():
            array[missing] = pd.NA
        return array
    array[:] = [to_decimal(v) for v in array.tolist()]
    return array


class DecimalArray(OpsMixin, ExtensionArray):
    """An object ndarray of Decimals (pd.NA where missing) that pandas treats as numbers."""

    __array_priority__ = 1000  # NumPy leaves `ndarray * column` to us

    _deferred: _Deferred | None = None  # values made when first needed (DecimalArray.deferred)

    def __init__(self, values: np.ndarray, copy: bool = False):
        # Trusted: an object ndarray of Decimals and pd.NA (costcalc's own columns). Use
        # _from_sequence (pd.array(values, dtype="decimal")) for anything else.
        if not isinstance(values, np.ndarray) or values.dtype != object or values.ndim != 1:
            raise TypeError("DecimalArray takes a 1-d object ndarray of Decimals; use "
                            "pd.array(values, dtype='decimal') to convert other values")
        self._decimals: np.ndarray | None = values.copy() if copy else values

    @classmethod
    def deferred(cls, length: int, make: Callable[[], np.ndarray]) -> DecimalArray:
        """An array of `length` values that `make()` returns (a 1-d object ndarray of Decimals, trusted as
        __init__'s, a new array on every call), called when a value is first needed (read, summed,
        compared, saved). A view shares the values it makes; a copy calls `make` again when it is read.
        Why: the projection holds a big frame's amounts as integer numerators and makes the Decimals
        (most of its time and memory) only when a value is used, not for a frame that is only built or
        passed on. A filter, a list of rows or take() before anything is made gives another deferred array
        (its positions checked at once); when read, it makes only its rows if `make` has a method
        `rows(positions)` returning a new object array of the values at those positions, else all of them
        and picks. A maker coded by distinct value has `codes()` (an int array: each row's distinct value)
        and `values(positions)` (a new object array of the distinct values at those positions, all if None;
        make() is values()[codes()]): a sum of values nobody has made, and a filter's rows when read, make
        only the distinct values the rows hold (coded_sum: each distinct value times its count, exact).
        A maker may also have `total()`: the exact sum of all its values (no NA among them) as a Decimal,
        or None when it cannot give it; a sum of the whole unmade column asks it first and makes nothing
        (the projection's: costcalc.projection.amounts.Joined.total). A coded maker's `total(counts)` sums
        each distinct value times counts[value] (counts may stop short: the rest count 0): a filter's or a
        take's sum asks it with its rows' counts, and makes nothing either. And `group_totals(ids, ngroups,
        codes=None)`: each group's exact sum (ids: each row's group, negative in none; codes: the rows'
        codes if not codes()), a list, or None: a groupby sum or mean of an unmade column asks it first.
        A slice (head) or count() makes the whole column. Every behaviour is the made array's."""
        array = cls.__new__(cls)
        array._decimals, array._deferred = None, _Deferred(int(length), make)
        return array

    @property
    def _data(self) -> np.ndarray:
        values = self._decimals
        if values is None:
            assert self._deferred is not None  # a deferred array (DecimalArray.deferred)
            values = self._decimals = self._deferred.values()
            self._deferred = None
        return values

    @_data.setter
    def _data(self, values: np.ndarray) -> None:
        self._decimals, self._deferred = values, None

    def __getstate__(self) -> dict:
        # pickles and deep copies hold the values, never the function that makes them
        state = dict(self.__dict__)
        state.update(_decimals=self._data, _deferred=None)
        return state

    def view(self, dtype=None):
        if dtype is None and self._decimals is None:  # shares the values once they are made
            assert self._deferred is not None
            array = type(self).__new__(type(self))
            array._decimals, array._deferred = None, self._deferred
            return array
        return super().view(dtype)

    # -- construction --------------------------------------------------------------------------------

    @classmethod
    def _from_sequence(cls, scalars, *, dtype=None, copy=False):
        return cls(_object_array(scalars))

    @classmethod
    def _from_sequence_of_strings(cls, strings, *, dtype=None, copy=False):
        return cls(_object_array([to_decimal(s) if isinstance(s, str) else s for s in strings]))

    @classmethod
    def _from_scalars(cls, scalars, *, dtype):
        values = list(scalars)
        if not all(isinstance(v, (Decimal, numbers.Integral)) or _is_na(v) for v in values):
            raise TypeError("not all values are Decimals")
        return cls._from_sequence(values)

    @classmethod
    def _from_factorized(cls, values, original):
        return cls(np.asarray(values, dtype=object).copy())

    @classmethod
    def _concat_same_type(cls, to_concat):
        return cls(np.concatenate([x._data for x in to_concat]))

    # -- the ExtensionArray interface ------------------------------------------------------------------

    @property
    def dtype(self) -> DecimalDtype:
        return _DTYPE

    def __len__(self) -> int:
        if self._decimals is None:
            assert self._deferred is not None
            return self._deferred.length
        return len(self._decimals)

    _readonly = False  # pandas marks arrays behind read-only views (copy-on-write)

    def __getitem__(self, item):
        if isinstance(item, (numbers.Integral, np.integer)):
            return self._data[item]
        item = pd.api.indexers.check_array_indexer(self, item)
        if self._unmade() and isinstance(item, np.ndarray):  # a filter or a list of rows: a copy, still deferred
            rows = np.flatnonzero(item) if item.dtype == bool else item
            return self.take(rows)
        result = type(self)(self._data[item])
        if self._readonly and isinstance(item, slice):
            result._readonly = True  # a slice is a view of the same values
        return result

    def __setitem__(self, key, value) -> None:
        if self._readonly:
            raise ValueError("Cannot modify read-only array")
        if is_list_like(value) and not isinstance(value, (str, Decimal)):
            if pd.api.types.is_scalar(key):
                raise ValueError("setting an array element with a sequence.")
            value = _object_array(value)
        else:
            value = to_decimal(value)
        key = pd.api.indexers.check_array_indexer(self, key)
        self._data[key] = value

    def __iter__(self):
        return iter(self._data)

    def __contains__(self, item) -> bool:
        if item is pd.NA:
            return bool(self.isna().any())
        if _is_na(item):  # None, NaN, NaT: never held (missing is pd.NA)
            return False
        return super().__contains__(item)

    @property
    def nbytes(self) -> int:
        # the pointers and the Decimal objects (a 50-digit Decimal is about 128 bytes); what a deferred
        # array will hold once made (df.memory_usage() does not make it)
        return (8 + 104) * len(self)

    def isna(self) -> np.ndarray:
        return missing_mask(self._data)

    def take(self, indices, allow_fill: bool = False, fill_value=None):
        from pandas.api.extensions import take

        fill = pd.NA if fill_value is None or _is_na(fill_value) else to_decimal(fill_value)
        if self._unmade():
            # rows of values nobody has made yet stay deferred: the positions are checked now (pandas'
            # errors), and only those rows are made when read (a maker with `rows`, see deferred)
            assert self._deferred is not None
            rows = take(np.arange(len(self), dtype=np.intp), indices, allow_fill=allow_fill, fill_value=-1)
            return type(self).deferred(len(rows), _Rows(self._deferred.make, np.asarray(rows, dtype=np.intp), fill))
        return type(self)(take(self._data, indices, allow_fill=allow_fill, fill_value=fill))

    def _unmade(self) -> bool:
        """Deferred, and no view has made (and perhaps changed) the values yet: `make` gives them."""
        return self._decimals is None and self._deferred is not None and self._deferred.made is None

    def copy(self):
        # a copy of values nobody has made yet (no view either: a view may have made and changed them) is
        # made when the copy is read
        if self._unmade():
            assert self._deferred is not None
            return type(self).deferred(self._deferred.length, self._deferred.make)
        return type(self)(self._data.copy())

    def tolist(self) -> list:
        return self._data.tolist()

    def _values_for_factorize(self):
        # Python's Decimal hash: Decimal("1.0") and Decimal("1.00") are one group, one key
        return self._data, pd.NA

    def _values_for_argsort(self) -> np.ndarray:
        return exact_ranks(self._data)

    def _hash_pandas_object(self, *, encoding, hash_key, categorize):
        from pandas.core.util.hashing import hash_array

        # hash the canonical text, so equal amounts (1.0 and 1.00) hash alike
        text = np.array([None if v is pd.NA else plain_text(v) for v in self._data], dtype=object)
        return hash_array(text, encoding=encoding, hash_key=hash_key, categorize=categorize)

    def isin(self, values) -> np.ndarray:
        wanted = set()
        for v in values:
            try:
                d = to_decimal(v)
            except (TypeError, ValueError):
                continue
            if d is not pd.NA:
                wanted.add(d)
        return np.array([v is not pd.NA and v in wanted for v in self._data], dtype=bool)

    # -- conversion ------------------------------------------------------------------------------------

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) == object:
            return self._plain_objects()
        return self.to_numpy(dtype="float64" if dtype is None else dtype, na_value=np.nan)

    def to_numpy(self, dtype=None, copy: bool = False, na_value=pd.api.extensions.no_default):
        """Exact Decimals (an object array) unless a dtype is asked: dtype=float for plots."""
        if dtype is None or np.dtype(dtype) == object:
            out = self._plain_objects()
            if na_value is not pd.api.extensions.no_default:
                out[self.isna()] = na_value
            return out
        missing = self.isna()
        values = self._data
        if missing.any():
            if na_value is pd.api.extensions.no_default or _is_na(na_value):
                if np.dtype(dtype).kind != "f":
                    raise ValueError(f"cannot convert missing amounts to {np.dtype(dtype)}")
                na_value = np.nan
            values = values.copy()
            values[missing] = na_value
        return np.asarray(values.astype(float) if np.dtype(dtype).kind == "f" else values.tolist(), dtype=dtype)

    def _plain_objects(self) -> np.ndarray:
        """The values as PlainDecimal objects, whose str() is plain decimal text (what to_csv writes:
        0, not 0E-65; 0.0000001, not 1E-7; 1.5, not 1.5000): equal to the stored Decimals."""
        out = self._data.copy()
        present = ~self.isna()
        out[present] = [PlainDecimal(v) for v in out[present].tolist()]
        return out

    def astype(self, dtype, copy: bool = True):
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, DecimalDtype):
            return self.copy() if copy else self
        if dtype == object:  # noqa: E721 (numpy dtype equality: dtype("O") == object, `is` would miss it)
            return self._plain_objects()
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            return self.to_numpy(dtype=dtype, na_value=np.nan)
        if isinstance(dtype, np.dtype) and dtype.kind in "iu":
            if self.isna().any():
                raise ValueError("cannot convert missing amounts to integers")
            return np.array([int(v) for v in self._data], dtype=dtype)  # toward zero, as float -> int
        if isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "U"):
            text = [pd.NA if v is pd.NA else plain_text(v) for v in self._data]
            return pd.array(text, dtype=dtype) if isinstance(dtype, pd.StringDtype) else np.array(text, dtype=dtype)
        return super().astype(dtype, copy=copy)

    def __arrow_array__(self, type=None):
        """decimal128(38, 18) (decimal256(76, 38) when a value reaches 1e20), rounded half-even."""
        import pyarrow as pa

        present = [v for v in self._data if v is not pd.NA]
        if type is None:
            wide = any(abs(v) >= _MAX_PARQUET_128 for v in present)
            type = pa.decimal256(76, 38) if wide else pa.decimal128(38, 18)
        scale = Decimal(1).scaleb(-type.scale)
        with decimal.localcontext(EXACT):
            values = [None if v is pd.NA else v.quantize(scale, rounding=ROUND_HALF_EVEN) for v in self._data]
        return pa.array(values, type=type)

    # -- display ---------------------------------------------------------------------------------------

    def _formatter(self, boxed: bool = False):
        places = pd.get_option("display.precision")
        return lambda value: "<NA>" if value is pd.NA else shown_text(value, places)

    # -- arithmetic and comparisons ----------------------------------------------------------------------

    def _operand(self, other):
        """other as an object ndarray (or one Decimal / pd.NA) of Decimals."""
        if isinstance(other, (pd.Series, pd.Index, pd.DataFrame)):
            return NotImplemented
        if isinstance(other, DecimalArray):
            return other._data
        if is_list_like(other) and not isinstance(other, (str, Decimal)):
            values = _object_array(other)
            if len(values) != len(self):
                raise ValueError(f"operands have lengths {len(self)} and {len(values)}")
            return values
        return to_decimal(other)

    def _arith_method(self, other, op):
        try:
            operand = self._operand(other)
        except (TypeError, ValueError):
            return NotImplemented
        if operand is NotImplemented:
            return NotImplemented
        divides = op in (operator.truediv, roperator.rtruediv)
        # an operand array is a DecimalArray's values or _object_array's: pd.NA where missing
        missing = self.isna() | (missing_mask(operand) if isinstance(operand, np.ndarray) else _is_na(operand))
        out = np.full(len(self), pd.NA, dtype=object)
        if isinstance(missing, (bool, np.bool_)):
            missing = np.full(len(self), bool(missing))
        keep = ~missing
        if not keep.any():
            return type(self)(out)
        left = self._data[keep]
        right = operand[keep] if isinstance(operand, np.ndarray) else operand
        result: Any  # the values, or (quotients, remainders) for divmod
        with decimal.localcontext(_DIVIDE_TO_NA if divides else EXACT):
            if op in (divmod, roperator.rdivmod):  # NumPy has no divmod for objects
                pairs = [op(a, b) for a, b in zip(left, np.broadcast_to(right, left.shape))]
                result = (np.array([q for q, _ in pairs], dtype=object), np.array([r for _, r in pairs], dtype=object))
            else:
                result = op(left, right)
            if divides:
                # x / 0 is Infinity and 0 / 0 NaN with these traps off: both missing, as no amount;
                # adding 0 turns an exponent above 0 (1E+3 from 100 / 0.1) into plain 1000
                result = np.array([r + _ZERO if r.is_finite() else pd.NA for r in result], dtype=object)
        if op in (divmod, roperator.rdivmod):
            quotient, remainder = np.full(len(self), pd.NA, dtype=object), out
            quotient[keep], remainder[keep] = result
            return type(self)(quotient), type(self)(remainder)
        out[keep] = result
        return type(self)(out)

    def _cmp_method(self, other, op):
        try:
            operand = self._operand(other)
        except (TypeError, ValueError):
            operand = None
        if operand is NotImplemented:
            return NotImplemented
        if operand is None:  # not an amount: equal to nothing
            return np.full(len(self), op is operator.ne)
        missing = self.isna() | (missing_mask(operand) if isinstance(operand, np.ndarray) else _is_na(operand))
        if isinstance(missing, (bool, np.bool_)):
            missing = np.full(len(self), bool(missing))
        out = np.full(len(self), op is operator.ne)  # NA compares like NaN: unequal to everything
        keep = ~missing
        right = operand[keep] if isinstance(operand, np.ndarray) else operand
        out[keep] = np.asarray(op(self._data[keep], right), dtype=bool)
        return out

    def _unary(self, fn):
        out = self._data.copy()
        keep = ~self.isna()
        with decimal.localcontext(EXACT):
            out[keep] = [fn(v) for v in out[keep]]
        return type(self)(out)

    def __neg__(self):
        return self._unary(operator.neg)

    def __pos__(self):
        return self._unary(operator.pos)

    def __abs__(self):
        return self._unary(abs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from pandas.core import arraylike

        result = arraylike.maybe_dispatch_ufunc_to_dunder_op(self, ufunc, method, *inputs, **kwargs)
        if result is not NotImplemented:
            return result
        if method == "__call__" and ufunc in (np.absolute, np.negative, np.positive) and len(inputs) == 1:
            unary: dict[object, Callable[[Any], Any]] = {np.absolute: abs, np.negative: operator.neg,
                                                         np.positive: operator.pos}
            return unary[ufunc](self)
        if method == "reduce" and ufunc in (np.add, np.maximum, np.minimum):
            name = {np.add: "sum", np.maximum: "max", np.minimum: "min"}[ufunc]
            return self._reduce(name)
        # anything else (np.log, np.sqrt...) in floats, as NumPy would compute it
        floats = [x.to_numpy(dtype=float, na_value=np.nan) if isinstance(x, DecimalArray) else x for x in inputs]
        return getattr(ufunc, method)(*floats, **kwargs)

    def round(self, decimals: int = 0, *args, **kwargs):
        """Each value quantized to `decimals` places, ROUND_HALF_EVEN (the project's rounding)."""
        unit = Decimal(1).scaleb(-int(decimals))
        with decimal.localcontext(EXACT):
            if decimals >= 0:
                return self._unary(lambda v: v.quantize(unit, rounding=ROUND_HALF_EVEN))
            return self._unary(lambda v: v.quantize(unit, rounding=ROUND_HALF_EVEN) + _ZERO)

    # -- reductions ------------------------------------------------------------------------------------

    def _reduce(self, name: str, *, skipna: bool = True, keepdims: bool = False, **kwargs):
        if name == "sum" and self._unmade():
            assert self._deferred is not None
            make = self._deferred.make
            # a maker's own exact sum of all its values (none made), else values nobody has made, coded by
            # distinct value: summed from those (an NA among them: the values are made and summed below,
            # which knows skipna)
            whole = getattr(make, "total", None)
            total = whole() if callable(whole) else _counted_total(make)
            if total is None:
                coding = _coding(make)
                total = coded_sum(*coding) if coding is not None else pd.NA
            if total is not pd.NA:
                result = pd.NA if len(self) < kwargs.get("min_count", 0) else canonical(total)
                return type(self)._from_sequence([result]) if keepdims else result
        if name == "sum":
            # summed as they are first: an NA among them makes the sum NA (Decimal + NA is NA), and only
            # then are they looked at for NAs (pd.isna and a masked copy of every value cost about a third
            # of summing 2M of them)
            with decimal.localcontext(EXACT):
                total = sum(self._data.tolist(), _ZERO)
            if total is not pd.NA:
                result = pd.NA if len(self) < kwargs.get("min_count", 0) else canonical(total)
                return type(self)._from_sequence([result]) if keepdims else result
        missing = self.isna()
        if missing.any() and not skipna and name not in ("count", "any", "all"):
            result = pd.NA
        else:
            result = reduce_values(self._data[~missing], name, ddof=kwargs.get("ddof", 1),
                                   min_count=kwargs.get("min_count", 0))
        if keepdims:
            return type(self)._from_sequence([result])
        return result

    def _accumulate(self, name: str, *, skipna: bool = True, **kwargs):
        missing = self.isna()
        out = np.full(len(self), pd.NA, dtype=object)
        values = self._data[~missing]
        with decimal.localcontext(EXACT):
            if name == "cumsum":
                done = np.add.accumulate(values) if len(values) else values
            elif name == "cumprod":
                done = np.multiply.accumulate(values) if len(values) else values
            elif name in ("cummin", "cummax"):
                done = np.empty(len(values), dtype=object)
                pick = min if name == "cummin" else max
                best = None
                for i, v in enumerate(values):
                    best = v if best is None else pick(best, v)
                    done[i] = best
            else:
                raise TypeError(f"decimal does not support {name}")
        if skipna or not missing.any():
            out[~missing] = done
        else:  # an NA stops the accumulation: NA from there on
            first = int(np.argmax(missing))
            out[:first] = done[:first]
        return type(self)(out)

    def _quantile(self, qs, interpolation: str):
        values = sorted(v for v in self._data if v is not pd.NA)
        return type(self)._from_sequence([quantile(values, Decimal(repr(float(q))), interpolation) for q in qs])

    def _groupby_op(self, *, how: str, has_dropped_na: bool, min_count: int, ngroups: int, ids, **kwargs):
        if how in ("sum", "mean") and self._unmade():
            assert self._deferred is not None
            ids = np.asarray(ids)
            sums = _deferred_group_sums(self._deferred.make, ids, ngroups)
            if sums is not None:  # no value made (a maker's group_totals; no NA among them)
                rows = np.bincount(ids[ids >= 0], minlength=ngroups)
                present = np.flatnonzero(rows)
                return DecimalArray(group_sums_written(present, np.array(sums, dtype=object)[present], rows, how,
                                                       min_count))
        if how in ("sum", "mean", "cumsum", "min", "max", "prod", "median", "var", "std"):
            return group_op(self, how, ngroups, ids, min_count, kwargs)
        return super()._groupby_op(how=how, has_dropped_na=has_dropped_na, min_count=min_count,
                                   ngroups=ngroups, ids=ids, **kwargs)


_DTYPE = DecimalDtype()


class _Deferred:
    """The values of a deferred DecimalArray and of its views: made once, by the first that needs them."""

    __slots__ = ("length", "made", "make")

    def __init__(self, length: int, make: Callable[[], np.ndarray]):
        self.length, self.make = length, make
        self.made: np.ndarray | None = None

    def values(self) -> np.ndarray:
        if self.made is None:
            made = self.make()
            if not isinstance(made, np.ndarray) or made.dtype != object or made.shape != (self.length,):
                raise TypeError(f"deferred decimal values: expected {self.length} objects, got {made!r:.80}")
            self.made = made
        return self.made


def shown_text(value: Decimal, places: int) -> str:
    """`places` decimal places and at least 3 significant digits; "…" when the value is cut short."""
    if not value.is_finite():
        return str(value)
    if value == 0:
        return "0"
    needed = max(places, 2 - value.adjusted())
    if decimal_places(value) <= needed:
        return plain_text(value)
    cut = value.quantize(Decimal(1).scaleb(-needed), rounding=ROUND_HALF_EVEN, context=EXACT)
    return plain_text(cut) + ("…" if cut != value else "")


def exact_ranks(values: np.ndarray) -> np.ndarray:
    """int64 dense ranks of Decimals (pd.NA ranks 0: pandas sorts missing values by their mask), so
    sorting is a NumPy integer sort. Floats order them first (float() never reverses an order); only
    values that share a float are compared as Decimals. `values`: a DecimalArray's (pd.NA where missing)."""
    n = len(values)
    missing = missing_mask(values)
    floats = np.empty(n, dtype=float)
    floats[missing] = -np.inf
    floats[~missing] = values[~missing].astype(float)
    order = np.argsort(floats, kind="stable")
    ordered = floats[order]
    same = np.flatnonzero(ordered[1:] == ordered[:-1])
    if len(same):
        # runs of equal floats: order each run's Decimals exactly
        starts = same[np.concatenate([[True], np.diff(same) > 1])]
        ends = same[np.concatenate([np.diff(same) > 1, [True]])] + 2
        for a, b in zip(starts.tolist(), ends.tolist()):
            run = order[a:b]
            if not missing[run[0]]:
                order[a:b] = run[np.argsort(values[run], kind="stable")]
    ranks = np.empty(n, dtype=np.int64)
    if n:
        sorted_values = values[order]
        present = ~missing[order]
        with decimal.localcontext(EXACT):
            changed = np.ones(n, dtype=bool)
            both = present[1:] & present[:-1]
            changed[1:][both] = np.asarray(sorted_values[1:][both] != sorted_values[:-1][both], dtype=bool)
            changed[1:][~both] = present[1:][~both] != present[:-1][~both]
        ranks[order] = np.cumsum(changed)
    ranks[missing] = 0
    return ranks


class _Rows:
    """make() of a deferred array's rows (DecimalArray.take before anything is made): the values at `rows`
    (-1: `fill`). A maker with a `rows(positions)` method makes only those rows; any other makes all and
    picks. Has `rows` itself, so a take of a take still makes only the rows it keeps."""

    __slots__ = ("fill", "make", "positions")

    def __init__(self, make: Callable[[], np.ndarray], positions: np.ndarray, fill):
        self.make, self.positions, self.fill = make, positions, fill

    def __call__(self) -> np.ndarray:
        return _made_rows(self.make, self.positions, self.fill)

    def rows(self, positions: np.ndarray) -> np.ndarray:
        return _made_rows(self.make, self.positions[positions], self.fill)


def _made_rows(make: Callable[[], np.ndarray], positions: np.ndarray, fill) -> np.ndarray:
    """A new object array of make()'s values at `positions` (-1: fill)."""
    missing = positions < 0
    some_missing = bool(missing.any())
    picked = positions[~missing] if some_missing else positions
    coding = _coding(make)
    select = getattr(make, "rows", None)
    if coding is not None:  # only the distinct values these rows hold
        needed, inverse = np.unique(coding[0][picked], return_inverse=True)
        values = coding[1](needed)[inverse.reshape(-1)]
    else:
        values = select(picked) if select is not None else make()[picked]
    if not some_missing:
        return values
    out = np.full(len(positions), fill, dtype=object)
    out[~missing] = values
    return out


def _coding(make: Callable[[], np.ndarray]) -> tuple[np.ndarray, Callable[..., np.ndarray]] | None:
    """(codes, values) of a coded maker (see DecimalArray.deferred), or of the rows a _Rows of one keeps
    (none filled in); None for any other maker."""
    if isinstance(make, _Rows):
        inner = _coding(make.make)
        if inner is None or (len(make.positions) and int(make.positions.min()) < 0):
            return None
        return inner[0][make.positions], inner[1]
    codes, values = getattr(make, "codes", None), getattr(make, "values", None)
    if callable(codes) and callable(values):
        return np.asarray(codes()), values
    return None


def _counted_total(make: Callable[[], np.ndarray]) -> Decimal | None:
    """The exact sum of the rows a _Rows keeps (a filter's, a take's) of a coded maker with `total`, by
    total(counts): how many of those rows hold each distinct value. None for any other maker (or when
    total cannot give it)."""
    owner = make
    while isinstance(owner, _Rows):
        owner = owner.make
    total = getattr(owner, "total", None)
    if owner is make or not callable(total):
        return None
    coding = _coding(make)
    return total(np.bincount(coding[0])) if coding is not None else None


def _deferred_group_sums(make: Callable[[], np.ndarray], ids: np.ndarray, ngroups: int) -> list[Decimal] | None:
    """Each group's exact sum of a deferred array's values by its maker's `group_totals(ids, ngroups,
    codes)` (see DecimalArray.deferred), none made: a maker with it, or the rows a _Rows of one keeps (by
    their codes). None for any other maker, or when group_totals cannot give them."""
    owner = make
    while isinstance(owner, _Rows):
        owner = owner.make
    group_totals = getattr(owner, "group_totals", None)
    if not callable(group_totals):
        return None
    if owner is make:
        return group_totals(ids, ngroups)
    coding = _coding(make)
    return group_totals(ids, ngroups, coding[0]) if coding is not None else None


def coded_sum(codes: np.ndarray, values: Callable[..., np.ndarray]) -> Decimal:
    """The exact sum of values(all)[codes] from the distinct values and how often each occurs: the values
    that occur n times added, then times n (a few multiplies, not one per value), at 120 digits (EXACT).
    Every product and sum is exact, so the total is the one adding the values one by one gives, digits
    and exponent (an exact sum's exponent is its operands' smallest). A group sum makes the column
    instead, unless its maker has group_totals (which counts (group, value) pairs with integer work and
    makes no value): adding made values per pair costs more than making the column."""
    if not len(codes):
        return _ZERO
    counts = np.bincount(codes)
    present = np.flatnonzero(counts)
    made = values(present)
    counts = counts[present]
    order = np.argsort(counts.astype(np.uint16) if int(counts.max()) < 2 ** 16 else counts, kind="stable")
    ordered = counts[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    with decimal.localcontext(EXACT):
        by_count = np.add.reduceat(made[order], starts) * ordered[starts].astype(object)
        return sum(by_count.tolist(), _ZERO)


def canonical(value):
    """A Decimal without trailing zeros or an exponent above 0 (an equal value: 1.50 -> 1.5, 0E-65 ->
    0, -0 -> 0, 1E+3 -> 1000), so a total prints as its amount: the Decimal its plain_text() reads as.
    normalize() drops the trailing zeros (1E+3 keeps an exponent above 0, -0 its sign); adding 0 (exponent
    0) then writes 1E+3 as 1000 and -0 as 0 (x + 0 has the smaller exponent; -0 + 0 is 0 half-even), both
    exact at UNBOUNDED precision (a one-row group's sum may hold more digits than EXACT's 120): two C calls,
    not a text round trip (canonical_values does it per value)."""
    if isinstance(value, Decimal) and value.is_finite():
        return UNBOUNDED.add(UNBOUNDED.normalize(value), _ZERO)
    return value


def canonical_values(values: np.ndarray) -> np.ndarray:
    """canonical() of every value of an object array of finite Decimals (no NA), as a new object array:
    the same two C calls per value, mapped without a Python call each (group sums: 360,000 in a summary)."""
    normalized = map(UNBOUNDED.normalize, values.tolist())
    return np.fromiter(map(UNBOUNDED.add, normalized, itertools.repeat(_ZERO)), dtype=object, count=len(values))


def reduce_values(values: np.ndarray, name: str, ddof: int = 1, min_count: int = 0):
    """A reduction of Decimals (no NA among them): exact sums, 50-digit means and deviations."""
    result = _reduce_values(values, name, ddof, min_count)
    return canonical(result)


def _reduce_values(values: np.ndarray, name: str, ddof: int = 1, min_count: int = 0):
    n = len(values)
    if name == "count":
        return n
    if name in ("any", "all"):
        return bool(getattr(np, name)(values != 0)) if n else name == "all"
    if name == "sum":
        if n < min_count:
            return pd.NA
        with decimal.localcontext(EXACT):
            return sum(values.tolist(), _ZERO)
    if name == "prod":
        if n < min_count:
            return pd.NA
        with decimal.localcontext(EXACT):
            result = Decimal(1)
            for v in values.tolist():
                result *= v
        return result
    if n == 0:
        return pd.NA
    if name == "min":
        return min(values.tolist())
    if name == "max":
        return max(values.tolist())
    if name == "mean":
        return DIVIDE.divide(reduce_values(values, "sum"), Decimal(n))
    if name == "median":
        return quantile(sorted(values.tolist()), Decimal("0.5"), "linear")
    if name in ("var", "std", "sem"):
        if n - ddof <= 0:
            return pd.NA
        mean = reduce_values(values, "mean")
        with decimal.localcontext(EXACT):
            squares = sum(((v - mean) ** 2 for v in values.tolist()), _ZERO)
        var = DIVIDE.divide(squares, Decimal(n - ddof))
        if name == "var":
            return var
        std = var.sqrt(context=DIVIDE)
        return std if name == "std" else DIVIDE.divide(std, Decimal(n).sqrt(context=DIVIDE))
    raise TypeError(f"decimal does not support the {name} reduction")


def quantile(ordered: list, q: Decimal, interpolation: str):
    """The q-quantile of sorted Decimals as pandas computes it (linear by default), exactly."""
    if not ordered:
        return pd.NA
    position = DIVIDE.multiply(q, Decimal(len(ordered) - 1))
    low = int(position.to_integral_value(rounding=decimal.ROUND_FLOOR))
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    a, b = ordered[low], ordered[high]
    if interpolation == "lower" or fraction == 0:
        return a
    if interpolation == "higher":
        return b
    if interpolation == "nearest":
        return a if fraction < Decimal("0.5") or (fraction == Decimal("0.5") and low % 2 == 0) else b
    if interpolation == "midpoint":
        return DIVIDE.divide(EXACT.add(a, b), Decimal(2))
    return EXACT.add(a, DIVIDE.multiply(EXACT.subtract(b, a), fraction))


def group_op(array: DecimalArray, how: str, ngroups: int, ids: np.ndarray, min_count: int, kwargs: dict):
    """groupby sum and mean (NumPy reduceat over runs of a group's rows, _group_sums), cumsum (accumulate
    over the values sorted by group): no Python call per group; min, max, prod, median, var, std per group."""
    ids = np.asarray(ids)
    missing = array.isna()
    skipna = kwargs.get("skipna", True)
    valid = (ids >= 0) & ~missing
    every = bool(valid.all())  # the usual case: no copy of the rows or their group ids
    values = array._data if every else array._data[valid]
    groups = ids if every else ids[valid]
    if how == "cumsum":
        rows = np.arange(len(ids)) if every else np.flatnonzero(valid)
        out = _group_cumsums(values, groups, ngroups, rows, len(ids))
        if not skipna and missing.any():
            stopped = set(ids[missing & (ids >= 0)].tolist())
            for g in stopped:  # a group's NA ends its running sum: NA from there on
                rows = np.flatnonzero(ids == g)
                first = rows[np.argmax(missing[rows])]
                out[rows[rows > first]] = pd.NA
        return DecimalArray(out)
    if how in ("sum", "mean"):
        present, sums = _group_sums(values, groups, ngroups)
        out = group_sums_written(present, sums, np.bincount(groups, minlength=ngroups), how, min_count)
    else:
        out = _group_reductions(values, groups, ngroups, how, kwargs.get("ddof", 1))
        if how == "prod" and min_count <= 0:
            out[np.bincount(groups, minlength=ngroups) == 0] = Decimal(1)
    if not skipna and missing.any():
        out[np.unique(ids[missing & (ids >= 0)])] = pd.NA
    return DecimalArray(out)


def group_sums_written(present: np.ndarray, sums: np.ndarray, counts: np.ndarray, how: str,
                       min_count: int) -> np.ndarray:
    """Each group's sum (how="sum": 0 for a group without values, NA below min_count values) or mean (sum /
    values; NA for none) from the exact sums of the groups that have values (`present`, increasing) and
    every group's count of values, written as a whole column's sum or mean is (reduce_values): 1.50 + 1.50
    -> 3, not 3.00, so a group's total and the column's total show the same digits."""
    if how == "mean":
        out = np.full(len(counts), pd.NA, dtype=object)  # a group without values has no mean
        with decimal.localcontext(DIVIDE):  # as DIVIDE.divide(sum, count), per value
            sums = sums / counts[present].astype(object)
    else:
        out = np.full(len(counts), _ZERO, dtype=object)  # a group without values sums to 0
    out[present] = canonical_values(sums)
    if how == "sum" and min_count > 0:
        out[counts < min_count] = pd.NA
    return out


_SUM_BLOCK = 1 << 16  # rows summed at a time by _group_sums (their partial sums, ~100 bytes each, then freed)


def _group_sums(values: np.ndarray, groups: np.ndarray, ngroups: int) -> tuple[np.ndarray, np.ndarray]:
    """(the groups that have values, in increasing order; the exact sum of each one's values), values
    with no NA, groups >= 0: a block of rows at a time (_block_sums), each block's sums added to the sums
    so far of the groups it shares with earlier blocks. The partial sums of a block are freed before the
    next block's are made, so they reuse the same memory (a month's sum of 2M rows kept 500,000 run sums
    alive at once: 50 MB of fresh pages). The sums are exact while every partial sum fits EXACT's 120 digits
    (always, for amounts of up to 50 digits, as costcalc makes them), so grouping the additions so gives the
    Decimal adding them in row order does, digits and exponent."""
    if _in_group_order(groups):  # each group's rows together: one pass, its sums are the groups' own
        return _block_sums(values, groups, ngroups)
    sums = np.empty(ngroups, dtype=object)
    seen = np.zeros(ngroups, dtype=bool)
    for start in range(0, len(values), _SUM_BLOCK):
        present, block = _block_sums(values[start:start + _SUM_BLOCK], groups[start:start + _SUM_BLOCK], ngroups)
        again = seen[present]
        if again.any():
            earlier = present[again]
            with decimal.localcontext(EXACT):
                sums[earlier] = sums[earlier] + block[again]
            present, block = present[~again], block[~again]
        sums[present] = block
        seen[present] = True
    present = np.flatnonzero(seen)
    return present, sums[present]


def _block_sums(values: np.ndarray, groups: np.ndarray, ngroups: int) -> tuple[np.ndarray, np.ndarray]:
    """_group_sums of one block of rows. Each run of rows of one group is summed where it lies (reduceat
    over the rows as they are: no sorted copy of them), then the runs' sums are brought together by group
    and summed: an estimate frame's rows lie in runs of a month's lines (a month's sum: 4 rows a run) or
    in group order (profile, model, month: no sort at all)."""
    starts = _run_starts(groups)
    with decimal.localcontext(EXACT):
        sums = np.add.reduceat(values, starts) if len(starts) < len(values) else values
        present = groups[starts]
        if not _in_group_order(present):
            order = _stable_group_order(present, ngroups)
            present, sums = present[order], sums[order]
            starts = _run_starts(present)
            sums, present = np.add.reduceat(sums, starts), present[starts]
    return present, sums


def _group_cumsums(values: np.ndarray, groups: np.ndarray, ngroups: int, rows: np.ndarray, length: int) -> np.ndarray:
    """Each group's running sums over `length` rows (NA where a row has no value or group; `rows`: each
    value's row): one accumulate over the values sorted by group, less the sum before each group's first."""
    out = np.full(length, pd.NA, dtype=object)
    if len(values):
        order = _stable_group_order(groups, ngroups)
        values = values[order]
        starts = _run_starts(groups[order])
        with decimal.localcontext(EXACT):
            running = np.add.accumulate(values)
            sizes = np.diff(np.append(starts, len(values)))
            before = np.repeat(np.concatenate([[_ZERO], running[starts[1:] - 1]]), sizes)
            out[rows[order]] = running - before
    return out


def _group_reductions(values: np.ndarray, groups: np.ndarray, ngroups: int, how: str, ddof: int) -> np.ndarray:
    """reduce_values(how) of each group's values (NA for a group without values), one call per group."""
    order = _stable_group_order(groups, ngroups)
    values, groups = values[order], groups[order]
    out = np.full(ngroups, pd.NA, dtype=object)
    if len(values):
        starts = _run_starts(groups)
        bounds = np.append(starts, len(values))
        for g, a, b in zip(groups[starts].tolist(), bounds[:-1].tolist(), bounds[1:].tolist()):
            out[g] = reduce_values(values[a:b], how, ddof=ddof)
    return out


def _stable_group_order(groups: np.ndarray, ngroups: int) -> np.ndarray:
    """The order that brings each group's rows together, keeping row order within a group. NumPy's stable
    sort is a radix sort for 8- and 16-bit integers: group ids of 2M rows in 36 months sort in 14 ms as
    uint16 (33 ms as int64)."""
    if ngroups <= 1 << 8:
        groups = groups.astype(np.uint8)
    elif ngroups <= 1 << 16:
        groups = groups.astype(np.uint16)
    return np.argsort(groups, kind="stable")


def _in_group_order(groups: np.ndarray) -> bool:
    """Whether the group ids never decrease (each group's rows are together, groups in increasing order)."""
    return bool((groups[1:] >= groups[:-1]).all())


def _run_starts(groups: np.ndarray) -> np.ndarray:
    """Where each run of equal group ids begins (none without rows)."""
    if not len(groups):
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.concatenate([[True], groups[1:] != groups[:-1]]))


def money_array(values) -> DecimalArray:
    """A column of exact amounts: an object ndarray of Decimals is wrapped as is (no copy), a Decimal NaN
    (quiet or signalling) made missing, pd.NA, as to_decimal has it (the array's missing mask looks for pd.NA
    alone, so a NaN wrapped as is would be counted, summed and compared as a value); anything else is
    converted (ints exactly, floats by their shortest repr, text parsed)."""
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, DecimalArray):
        return values
    if isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1 and \
            pd.api.types.infer_dtype(values, skipna=False) == "decimal":
        nan = np.fromiter(map(Decimal.is_nan, values), dtype=bool, count=len(values))  # sNaN too, quietly
        if nan.any():
            values = values.copy()
            values[nan] = pd.NA
        return DecimalArray(values)
    return DecimalArray._from_sequence(values)


