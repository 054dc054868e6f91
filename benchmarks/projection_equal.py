"""Equality of the projection between two checkouts, to the digit (issue 15: the faster paths give identical
rows and totals to the previous implementation on the 1,000-profile projection).

    PYTHONPATH=/path/to/old/checkout python benchmarks/projection_equal.py dump /tmp/old.json [--profiles N]
    PYTHONPATH=$PWD python benchmarks/projection_equal.py check /tmp/old.json [--profiles N]

Estimates big_estimate.py's profiles (1,000 unless --profiles) over 36 months and keeps a SHA-256 of every
column's values, Decimals by their str (value and exponent: 75.00 and 75.0 differ, as a notebook shows
them), with the dtypes, the attrs, the sums of tokens and cost_usd, the cost_usd group sums by month and by
model, and costcalc.summarize(df). `check` prints IDENTICAL, or the keys that differ and exits 1.
tests/test_projection_equality.py compares values with the reference implementation kept in tests/; this
compares two checkouts of costcalc, digits included."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import big_estimate  # benchmarks/big_estimate.py: the profiles


def digest(values) -> str:
    """SHA-256 of the values in order: a Decimal by its str, anything else by its repr."""
    sha = hashlib.sha256()
    for value in values:
        sha.update((str(value) if hasattr(value, "as_tuple") else repr(value)).encode())
        sha.update(b"\x00")
    return sha.hexdigest()


def results(profiles: int) -> dict[str, object]:
    import costcalc

    df = costcalc.estimate(big_estimate.profiles(profiles), start="2026-12", months=36)
    out: dict[str, object] = {
        "rows": len(df), "columns": list(df.columns), "dtypes": [str(t) for t in df.dtypes],
        "attrs": repr(sorted((key, repr(value)) for key, value in df.attrs.items())),
        # the sums first: a deferred column's first read is its sum (what a notebook asks first)
        "sum cost_usd": str(df["cost_usd"].sum()), "sum tokens": str(df["tokens"].sum()),
        "cost_usd by month": digest(df.groupby("month", observed=True)["cost_usd"].sum().tolist()),
        "cost_usd by model": digest(df.groupby("model", observed=True)["cost_usd"].sum().tolist()),
    }
    for column in df.columns:
        out[f"column {column}"] = digest(df[column].tolist())
    out["summarize"] = digest(costcalc.summarize(df).astype(str).to_numpy().ravel().tolist())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["dump", "check"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--profiles", type=int, default=1000)
    args = parser.parse_args()
    found = results(args.profiles)
    if args.action == "dump":
        args.path.write_text(json.dumps(found, indent=1))
        print(f"dumped {len(found)} keys ({args.profiles} profiles) to {args.path}")
        return
    before = json.loads(args.path.read_text())
    differ = [key for key in before.keys() | found.keys() if before.get(key) != found.get(key)]
    if differ:
        print("DIFFERENT: " + ", ".join(sorted(differ)))
        sys.exit(1)
    print(f"IDENTICAL ({len(found)} keys, {args.profiles} profiles)")


if __name__ == "__main__":
    main()
