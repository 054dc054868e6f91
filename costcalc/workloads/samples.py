"""Sample texts (`samples:`): reading a profile's sample files, and counting them per model into tokens per
request (`count_samples`, called by the API once the price table is known)."""

from __future__ import annotations

import glob as globbing
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext
from pathlib import Path
from weakref import WeakKeyDictionary

from .._files import MAX_HAND_WRITTEN_BYTES, MIB, TooLargeError, read_regular
from .._json import repeated_key, unique_quick
from .._validate import Invalid, Reader
from .._yamlnodes import Node
from ..errors import _NO_VALUE, Problem
from ..money import DIVIDE
from .model import Histogram, Profile, SampledTokens, Samples, has_reply
from .tree import base_dir



# Sample texts (`samples:`): each prompt or reply file is one request's text, and the largest context window
# in the table (1.05M tokens) is a few MiB of text; a messages file holds many chats, like a hand-written
# file. All sample files of one workloads file together are capped too (a glob can match a whole disk),
# and each file is read once however many profiles name it.
SAMPLE_FILE_BYTES = 16 * MIB
SAMPLES_BYTES = 64 * MIB
SAMPLE_FILES = 10_000


@dataclass
class _SampleTexts:
    texts: dict[Path, str] = field(default_factory=dict)
    bytes: int = 0


_SAMPLE_TEXTS: WeakKeyDictionary[Reader, _SampleTexts] = WeakKeyDictionary()


def read_samples(r: Reader, node: Node, key: str) -> Samples:
    """samples: {prompts: [paths or globs], replies: [...], messages: chats.jsonl} (paths relative to the
    workloads file). A JSONL line is {"messages": [{"role", "content"}, ...]}; a final assistant message
    is the reply."""
    f = r.mapping(node, key, ("prompts", "replies", "messages"))
    if not f:
        raise r.fail(node, key, "give prompts, replies and/or messages", node.plain())
    base = base_dir(r.file)

    def files(name: str) -> list[Path]:
        items = [f[name]] if f[name].kind == "scalar" else r.sequence(f[name], f"{key}.{name}", "a list of "
                                                                                               "paths or globs")
        found: list[Path] = []
        for i, item in enumerate(items):
            pattern = r.string(item, f"{key}.{name}[{i}]" if f[name].kind == "seq" else f"{key}.{name}",
                               what="a path or glob")
            full = pattern if Path(pattern).is_absolute() else str(base / pattern)
            paths = [Path(m) for m in sorted(globbing.glob(full, recursive=True)) if Path(m).is_file()]
            if not paths:
                raise r.fail(item, f"{key}.{name}", "matches no file")
            found.extend(paths)
        return found

    def text(path: Path, item: Node, cap: int = SAMPLE_FILE_BYTES) -> str:
        store = _SAMPLE_TEXTS.setdefault(r, _SampleTexts())
        resolved = path.resolve()
        if resolved in store.texts:  # a file named by several profiles is read (and counted) once
            return store.texts[resolved]
        if len(store.texts) >= SAMPLE_FILES:
            raise r.fail(item, key, f"more than {SAMPLE_FILES:,} sample files in one workloads file; samples are "
                         "a few representative requests (give a smaller glob)", str(path))
        try:
            what = "sample file (one request's prompt or reply)" if cap == SAMPLE_FILE_BYTES else "messages file"
            data = read_regular(path, cap, what)
            if store.bytes + len(data) > SAMPLES_BYTES:
                raise TooLargeError(0, f"samples of one workloads file may hold {SAMPLES_BYTES // MIB} MiB in all, "
                                       "and this one goes past that; samples are a few representative requests")
            found = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise r.fail(item, f"{key}", f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}",
                         str(path)) from None
        store.texts[resolved] = found
        store.bytes += len(data)
        return found

    prompts = tuple(text(p, f["prompts"]) for p in files("prompts")) if "prompts" in f else ()
    replies = tuple(text(p, f["replies"]) for p in files("replies")) if "replies" in f else ()
    chats = []
    if "messages" in f:
        for path in files("messages"):
            for number, line in enumerate(text(path, f["messages"], MAX_HAND_WRITTEN_BYTES).splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    repeated = None if unique_quick(line.encode("utf-8"), record) else repeated_key(line)
                    if repeated is not None:
                        r.problems.append(Problem(str(path), number, repeated[0], _NO_VALUE,
                                                  repeated[1]))
                        raise Invalid()
                    messages = record["messages"] if isinstance(record, dict) else record
                    if not isinstance(messages, list) or not all(
                            isinstance(m, dict) and isinstance(m.get("content"), (str, list)) for m in messages):
                        raise ValueError("messages must be a list of {role, content}")
                except (ValueError, KeyError, TypeError) as exc:
                    r.problems.append(Problem(str(path), number, "messages", line[:40],
                                              f"not a chat sample: {exc}; expected "
                                              '{"messages": [{"role": ..., "content": ...}]}'))
                    raise Invalid() from None
                chats.append(tuple(messages))
    if not prompts and not chats:
        raise r.fail(node, key, "give prompts or messages: the input side of each request", node.plain())
    return Samples(prompts, tuple(chats), replies, str(base))


def _exact_shares(bins: list[tuple[int, int]], n: Decimal) -> tuple[tuple[Decimal, Decimal], ...]:
    """(tokens, count) -> (tokens, share) with shares that sum to exactly 1: 50-digit divisions, and the
    last share is what the others leave (1/3 + 1/3 + 1/3 would otherwise fall short)."""
    with localcontext(DIVIDE):
        shares = [Decimal(k) / n for _, k in bins[:-1]]
        shares.append(1 - sum(shares, Decimal(0)))
    return tuple((Decimal(t), s) for (t, _), s in zip(bins, shares))


def count_samples(profile: Profile, table, models: Iterable[str]) -> Profile:
    """The profile with per-model tokens per request counted from its samples (each model with its own
    tokenizer). I/O: loads tokenizer vocabularies on first use."""
    if profile.samples is None:
        return profile
    # imported here, on first use: the tokenizers load tiktoken, which a workloads file without samples never needs
    from ..prices import lookup
    from ..tokens import count_chat, tokenizer_for
    from ..tokens.count import base_count

    samples = profile.samples
    sampled = []
    encoded: dict[tuple[str, str], int] = {}  # GPT and the Claude estimates share o200k: count once

    def counted(text: str, tokenizer) -> int:
        key = (tokenizer.encoding, text)
        if key not in encoded:
            encoded[key] = base_count(text, tokenizer)
        return encoded[key]

    for name in models:
        model_id = lookup(table, name).id
        tokenizer = tokenizer_for(table, model_id)
        counts = [tokenizer.scale(counted(t, tokenizer)) for t in samples.prompts]
        for chat in samples.chats:
            prompt = chat[:-1] if has_reply(chat) else chat
            c = count_chat(table, prompt, model_id)
            counts.append((c.tokens, c.low, c.high))
        outputs = [tokenizer.scale(counted(t, tokenizer))[0] for t in samples.replies]
        for chat in samples.chats:
            if has_reply(chat):
                content = chat[-1]["content"]
                if isinstance(content, list):
                    content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
                outputs.append(tokenizer.scale(counted(content, tokenizer))[0])
        n = Decimal(len(counts))
        bins: dict[int, int] = {}
        for tokens, _, _ in counts:
            bins[tokens] = bins.get(tokens, 0) + 1
        histogram = Histogram(_exact_shares(sorted(bins.items()), n))
        output = (Decimal(sum(outputs)) / len(outputs)) if outputs else None
        sampled.append((model_id, SampledTokens(
            tokenizer.name, tokenizer.exact, histogram, output,
            Decimal(sum(c[1] for c in counts)) / n, Decimal(sum(c[2] for c in counts)) / n)))
    return replace(profile, sampled=tuple(sampled))

