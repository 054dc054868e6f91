"""Rebuild the JSON Schemas shipped in the package (costcalc/data/schemas/*.schema.json) from the loaders'
key lists (costcalc/schemas.py). Run after changing a loader's keys; tests/test_schemas.py fails until the
shipped files match.

    python tools/build_schemas.py
"""

from pathlib import Path

from costcalc.schemas import NAMES, text

OUT = Path(__file__).resolve().parents[1] / "costcalc" / "data" / "schemas"

if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        (OUT / f"{name}.schema.json").write_text(text(name), encoding="utf-8")
        print(f"wrote {OUT / f'{name}.schema.json'}")
