"""Workload profiles: the schema, and loading from YAML, CSV or a pandas DataFrame.

Every source becomes the same Node tree, and one strict reader turns it into frozen `Profile`s:

    model.py      the dataclasses (Profile, Workloads, Range, Histogram, ...) and the file's keys and choices
    tree.py       a YAML/CSV path, YAML text or a DataFrame -> one Node tree (cells read with YAML's number rules)
    overrides.py  `--set PROFILE.KEY=VALUE` written into the tree before it is read
    read.py       the tree -> Workloads, every value checked (errors name file, line, key and what is allowed)
    samples.py    `samples:` files read, and counted per model with its own tokenizer (count_samples)
    describe.py   a profile in words, for report headers and result metadata

Plans and budgets of a workloads file are read by costcalc.workload_plans.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._gc import without_cyclic_gc

from ..prices.model import TOOLS
from .model import CASES, OVER_LIMIT, REASONING_PER_OUTPUT_TOKEN, Histogram, Profile, Range, Traffic, Workloads
from .overrides import apply_override
from .read import read_workloads
from .tree import to_tree


def load_workloads(source, known_models: Iterable[str] | None = None,
                   overrides: Iterable[tuple[str, str, str]] = (),
                   known_tools: Iterable[str] | None = TOOLS) -> Workloads:
    """Profiles from a YAML or CSV path, YAML text, or a DataFrame (one row per profile, a `name` column).

    `known_models`: ids and aliases to accept in `models:`. `overrides`: (profile or *, dotted key,
    value text) applied before validation, as `costcalc estimate --set` does. `known_tools`: tool names
    to accept in `tool_calls_per_request` (default: the tools usage logs record; the API adds every
    tool the price table has a fee for; None accepts any lower-case name).
    """
    with without_cyclic_gc():  # many small objects, no cycles (costcalc._gc)
        root, file = to_tree(source)
        for profile, key, value in overrides:
            apply_override(root, file, profile, key, value)
        return read_workloads(root, file, known_models, known_tools)


__all__ = ["CASES", "OVER_LIMIT", "Histogram", "Profile", "Range", "Traffic", "Workloads", "load_workloads",
           "REASONING_PER_OUTPUT_TOKEN"]
