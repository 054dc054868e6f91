"""The Parquet chunker: record batches of the mapped columns only (pyarrow, the `parquet` extra)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import CostcalcError, shown
from .chunk import UsageChunk, reason
from .formats.columnar import normalize_columns, plan_columns

_PARQUET_EXTRA = "reading Parquet needs the parquet extra: pip install 'costcalc[parquet]'"


def _pyarrow_parquet():
    try:  # optional dependency: pyarrow reads Parquet logs only
        import pyarrow.parquet as pq
    except ImportError:
        raise CostcalcError(_PARQUET_EXTRA) from None
    return pq


def _parquet_file(path: Path):
    pq = _pyarrow_parquet()
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...: all mean "not a readable Parquet file"
        raise CostcalcError(f"{path}: cannot read as Parquet: {reason(exc)}") from None


def parquet_plan(path: Path, mapping: dict[str, str] | None) -> dict[str, str]:
    return plan_columns(list(_parquet_file(path).schema_arrow.names), mapping, str(path))


def parquet_chunks(path: Path, plan: dict[str, str], chunk_records: int) -> Iterator[UsageChunk]:
    """Parquet in record batches of at most chunk_records rows (bounded memory: only the mapped columns
    are read). `line` is the 1-based row number."""
    source = str(path)
    first_row = 0
    parquet = _parquet_file(path)
    schema = parquet.schema_arrow
    for name in sorted(set(plan.values())):
        kind = schema.field(name).type if name in schema.names else None
        if kind is not None and pa_nested(kind):
            raise CostcalcError(f"{path}: column {shown(name)}: holds {shown(str(kind))} values; a usage column "
                                f"holds one number, text or time per row")
    batches = parquet.iter_batches(batch_size=chunk_records, columns=sorted(set(plan.values())))
    while True:
        try:  # a page corrupt past the footer: pyarrow raises OSError, ArrowInvalid... when it is reached
            batch = next(batches, None)
            if batch is None:
                return
            df = batch.to_pandas()
        except Exception as exc:
            raise CostcalcError(f"{path}: cannot read as Parquet after row {first_row}: {reason(exc)}") from None
        lines = np.arange(first_row + 1, first_row + 1 + len(df), dtype=np.int64)
        first_row += len(df)
        frame, problems = normalize_columns(df, plan, source, lines)
        yield UsageChunk(frame, len(df), problems)


def pa_nested(kind) -> bool:
    import pyarrow.types as pat  # optional dependency, as above

    return pat.is_nested(kind) or (pat.is_dictionary(kind) and pat.is_nested(kind.value_type))

