"""Community price tables -> costcalc overlays: one module per source format, placement against the
curated table (place.py) and the overlay writer (overlay.py).

Pure: a parsed document and the price table arrive as arguments. Reading files and downloading live in
`fetch.py`; the library entry points (`costcalc.import_prices`, `costcalc.crosscheck`) in
`costcalc.community`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from ...errors import _NO_VALUE, InputError, Problem, _one_line
from . import genai_prices, litellm, models_dev, openrouter
from .common import LABS, Entry

FORMATS: dict[str, ModuleType] = {m.NAME: m for m in (litellm, genai_prices, openrouter, models_dev)}
__all__ = ["FORMATS", "Entry", "convert", "detect", "host_rule"]


def detect(doc: object) -> str | None:
    """The format a parsed document is in, or None when it looks like none of them."""
    for name, module in FORMATS.items():
        if module.matches(doc):
            return name
    return None


def convert(doc: object, fmt: str, name: str, host_of: Callable[[str], bool]) -> list[Entry]:
    """Every model entry of `doc` (in format `fmt`), converted or with the reason it was skipped. A
    document of another shape is one InputError line naming what it looks like."""
    if fmt not in FORMATS:
        raise InputError([Problem(_one_line(name), None, "--from", fmt,
                                  "unknown format; one of " + ", ".join(FORMATS))])
    module = FORMATS[fmt]
    if not module.matches(doc):
        found = detect(doc)
        hint = f"; it looks like a {FORMATS[found].TITLE}: use --from {found}" if found else ""
        article = "an" if module.TITLE[0] in "AEIOUaeiou" else "a"
        raise InputError([Problem(_one_line(name), None, "", _NO_VALUE, f"not {article} {module.TITLE}{hint}")])
    return module.entries(doc, host_of)


def host_rule(table) -> Callable[[str], bool]:
    """Whether a provider's model ids carry the provider (`openrouter/...`): as the table writes that
    provider's ids where it has any, else hosts unless a known first-party lab."""
    written: dict[str, bool] = {}
    for model in table.models.values():
        written.setdefault(model.provider, model.id.startswith(model.provider + "/"))

    def host_of(provider: str) -> bool:
        if provider in written:
            return written[provider]
        return provider not in LABS

    return host_of
