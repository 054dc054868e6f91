"""The HTML report's template (costcalc/data/templates/estimate.html): shipped as package data, every
piece used, no URL to fetch, and every value escaped exactly once (a hostile profile name shows as text,
never as markup, and never as &amp;amp;)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from click.testing import CliRunner

from costcalc.cli import cli
from costcalc.report import html

ROOT = Path(__file__).resolve().parents[1]
NAME = "<b>A&B \"q\" 'x' $total</b>"


def test_the_template_is_package_data_and_every_piece_is_used():
    text = (resources.files("costcalc") / "data" / "templates" / "estimate.html").read_text(encoding="utf-8")
    names = re.findall(r"^<!-- template: ([\w-]+)", text, flags=re.MULTILINE)
    assert names and set(names) == set(html._templates())
    source = Path(html.__file__).read_text(encoding="utf-8")
    unused = [n for n in names if not re.search(rf'_fill\(\s*"{n}"', source)]
    assert unused == []
    assert not re.search(r"(?:src|href)=|url\(|https?://(?!json-schema)", text)  # offline: nothing to fetch


def test_values_are_escaped_once(tmp_path):
    workloads = tmp_path / "w.yaml"
    workloads.write_text("schema_version: 1\nprofiles:\n"
                         f"  '{NAME.replace(chr(39), chr(39) * 2)}': {{requests_per_day: 10, input_tokens: 100, "
                         "output_tokens: 10, models: [gpt-5.5], tags: {team: 'a & b < c'}}\n")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["estimate", str(workloads), "--format", "html", "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    shown = "&lt;b&gt;A&amp;B &quot;q&quot; &#x27;x&#x27; $total&lt;/b&gt;"
    assert NAME not in page and "<b>A" not in page
    assert (f'<article class="profile" data-profile="{shown}"><h3>{shown}'
            f'<span class="tags">team=a &amp; b &lt; c</span></h3>') in page
    assert "a & b < c" not in page
    assert "&amp;amp;" not in page and "&amp;lt;" not in page
