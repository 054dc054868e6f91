"""`--set PROFILE.KEY=VALUE` (and `*.KEY` for every profile): a value written into the Node tree before it is
read, so it is checked like the file's own values."""

from __future__ import annotations

import difflib
from dataclasses import replace

from .._yamlnodes import Node
from ..errors import InputError, Problem
from .tree import cell, set_line


def apply_override(root: Node, file: str, profile: str, key: str, value: str) -> None:
    """`--set support-bot.cache_hit_rate=0.8` (or `*.growth_per_month=0.1` for every profile)."""
    problems = [Problem("--set", None, f"{profile}.{key}", value, "")]
    profiles = root.value.get("profiles") if root.kind == "map" else None
    if profiles is None or profiles.kind != "map":
        return
    names = list(profiles.value) if profile == "*" else [profile]
    if profile != "*" and profile not in profiles.value:
        near = difflib.get_close_matches(profile, list(profiles.value), n=1)
        tip = f" (did you mean {near[0]!r}?)" if near else ""
        raise InputError([replace(problems[0], message=f"no profile named {profile!r}{tip}; profiles: "
                                  + ", ".join(profiles.value))])
    parsed = cell(value, "--set", 0)
    for name in names:
        target = profiles.value[name]
        parts = key.split(".")
        for part in parts[:-1]:
            if target.kind != "map":
                raise InputError([replace(problems[0], message="cannot set a key inside a non-mapping")])
            target = target.value.setdefault(part, Node({}, 0, "map"))
        if target.kind != "map":
            raise InputError([replace(problems[0], message="cannot set a key inside a non-mapping")])
        # line 0 marks a value that came from --set: errors about it say so instead of a file line
        node = Node(parsed.value, 0, parsed.kind, parsed.quoted)
        set_line(node, 0)
        target.value[parts[-1]] = node

