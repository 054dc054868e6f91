"""Community price tables in a notebook: import one as a costcalc overlay, or cross-check files against the
curated table. The I/O edge (reading or downloading the file, the clock for defaults); conversion and
comparison are pure (costcalc.prices.importers, costcalc.prices.crosscheck). The CLI calls these.

    frame = costcalc.import_prices("model_prices_and_context_window.json", source="litellm")
    frame[frame.status == "imported"]                  # one row per imported rule, exact Decimal rates
    Path("community.yaml").write_text(costcalc.overlay_yaml(frame))
    costcalc.crosscheck(["api.json"], at="2026-11-01")  # where models.dev disagrees with the table
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote as url_quote

import pandas as pd

from ._parse import parse_instant
from .errors import _NO_VALUE, CostcalcError, InputError, Problem, _one_line
from .prices import PriceTable
from .prices.importers import FORMATS, convert, detect, host_rule
from .prices.importers.document import parse_json, parse_yaml
from .prices.importers.fetch import read_source
from .prices.importers.overlay import overlay_text
from .prices.importers.place import COLUMNS, place, rows
from .api import prices_from
from .prices.crosscheck import COLUMNS as CHECK_COLUMNS
from .prices.crosscheck import compare

__all__ = ["import_prices", "overlay_yaml", "crosscheck", "FORMATS"]


def _table(table) -> PriceTable:
    return prices_from(table)


def _load(path, source: str | None, url: str | None):
    """(parsed document, format, display name, sha256, what a rule cites)."""
    if url is not None:
        from .prices.importers.download import download  # network code only when asked for

        data = download(url)
        name = url
    else:
        data = read_source(path)
        name = str(path)
    digest = hashlib.sha256(data).hexdigest()
    is_yaml = url is None and Path(str(path)).suffix.lower() in (".yml", ".yaml")
    doc = parse_yaml(data, name) if is_yaml else parse_json(data, name)
    if source is None:
        source = detect(doc)
        if source is None:
            raise InputError([Problem(_one_line(name), None, "", _NO_VALUE,
                                      "not a community price table costcalc reads "
                                      f"({', '.join(FORMATS)}); name one with --from")])
    elif source not in FORMATS:
        raise CostcalcError(f"unknown source format {source!r}; one of {', '.join(FORMATS)}")
    cite = (url if url is not None else "file:" + url_quote(str(path), safe="/._-~:+@,=")) + f"#sha256={digest}"
    return doc, source, name, digest, cite


def import_prices(path=None, source: str | None = None, *, prices=None, include_curated: bool = False,
                  checked: date | str | None = None, download: bool = False, url: str | None = None
                  ) -> pd.DataFrame:
    """Convert a community price table into overlay rows: one row per rule of every converted model
    (status `imported`, or `curated` for models the curated table already has, left out unless
    `include_curated`), one row per entry that could not be converted (status `skipped`, with the reason).

    path: the file (JSON, or a genai-prices provider YAML). source: litellm, genai-prices, openrouter or
    models.dev (default: recognised from the content). prices: the table curated models are matched
    against (None: bundled; overlay path(s) or a PriceTable). checked: the date rules are marked checked
    (default: today, UTC). download / url: fetch the source's public URL (or `url`) instead of reading a
    file; the network is used only then.

    Rates are exact Decimal USD per 1M tokens. `overlay_yaml(frame)` writes the overlay; `frame.attrs`
    holds the source, its sha256 and the counts.
    """
    if download or url is not None:
        if path is not None:
            raise CostcalcError("give a file or download, not both")
        if source is None:
            raise CostcalcError("downloading needs the source format: one of " + ", ".join(FORMATS))
        if source not in FORMATS:
            raise CostcalcError(f"unknown source format {source!r}; one of {', '.join(FORMATS)}")
        url = url or FORMATS[source].URL
    elif path is None:
        raise CostcalcError("give the community price file to import (or download=True)")
    table = _table(prices)
    doc, source, name, digest, cite = _load(path, source, url)
    checked_day = _day(checked)
    entries = convert(doc, source, name, host_rule(table))
    placed = place(entries, table, include_curated)
    label = f"{FORMATS[source].NAME} {Path(name).name if url is None else name}"
    frame = pd.DataFrame(rows(placed, table, label), columns=COLUMNS, dtype=object)
    status = Counter(p.status for p in placed)
    frame.attrs = {
        "source": source, "file": name, "sha256": digest, "rule_source": cite, "checked": checked_day.isoformat(),
        "version": f"{checked_day:%Y.%m.%d}-{source}-{digest[:8]}",
        "counts": {"entries": len(placed), "imported": status["imported"],
                   "curated": len({p.curated_as for p in placed if p.status == "curated"}),
                   "skipped": status["skipped"]},
        "include_curated": include_curated,
        "price_table": {"version": table.version, "sha256": table.sha256},
    }
    return frame


def overlay_yaml(frame: pd.DataFrame) -> str:
    """The overlay YAML of an `import_prices` frame (its `imported` rows; filter whole models out first
    if you want fewer). Load it with `costcalc.load_prices(overlays=[path])` or `--prices path`."""
    attrs = frame.attrs
    for key in ("source", "file", "sha256", "rule_source", "checked", "version", "counts"):
        if key not in attrs:
            raise CostcalcError(f"overlay_yaml needs a frame from import_prices (its attrs lack {key!r})")
    records = frame.to_dict("records")
    imported = [r for r in records if r["status"] == "imported"]
    models = len({(r["provider"], r["model"]) for r in imported})
    counts = attrs["counts"]
    header = [f"Community prices imported by `costcalc prices import --from {attrs['source']}` on {attrs['checked']}",
              f"from {attrs['file']}",
              f"(sha256 {attrs['sha256']}).",
              f"{_n(models, 'model')}; {_n(counts['curated'], 'curated model')} left to the bundled table"
              + (" (restated here on request)" if attrs.get("include_curated") else "")
              + f"; {_n(counts['skipped'], 'entry', 'entries')} not converted.",
              "confidence: community: nobody has checked these against the providers' own pages;",
              "`costcalc prices crosscheck` shows where such a file disagrees with the curated table."]
    return overlay_text(imported, source=attrs["rule_source"], checked=attrs["checked"], version=attrs["version"],
                        header=header)


def crosscheck(paths, at=None, table=None, source: str | None = None) -> pd.DataFrame:
    """Where community price files disagree with the table at instant `at` (default: now): one row per
    model, tier, prompt band and component whose rates differ, with both rates and the difference
    (file - table), exact Decimal USD per 1M tokens. Models a file lacks, or has and the table does not,
    are counted in `attrs["files"]`, not listed as disagreements.

    paths: a file or a list of files. table: None (bundled), overlay path(s) or a PriceTable. source: the
    format of every file (default: recognised from each file's content)."""

    when = _instant(at)
    price_table = _table(table)
    files = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not files:
        raise CostcalcError("give at least one community price file to cross-check")
    checks = []
    for path in files:
        doc, fmt, name, digest, _ = _load(path, source, None)
        check = compare(price_table, convert(doc, fmt, name, host_rule(price_table)), when, name, fmt)
        checks.append((check, digest))
    frame = pd.DataFrame([row for check, _ in checks for row in check.rows], columns=CHECK_COLUMNS, dtype=object)
    frame.attrs = {
        "at": when.strftime("%Y-%m-%dT%H:%MZ"),
        "price_table": {"version": price_table.version, "sha256": price_table.sha256},
        "files": [dict(check.summary(), sha256=digest, table_models_missing=list(check.lacking),
                       not_comparable_reasons=check.not_comparable[:20]) for check, digest in checks],
    }
    return frame


def _n(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _instant(at) -> datetime:
    if at is None:
        return datetime.now(timezone.utc)
    if isinstance(at, datetime):
        return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    try:
        return parse_instant(str(at))
    except ValueError as exc:
        raise CostcalcError(str(exc)) from None


def _day(value) -> date:
    if value is None:
        return datetime.now(timezone.utc).date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CostcalcError(f"checked {value!r} is not a date like 2026-11-22") from None
