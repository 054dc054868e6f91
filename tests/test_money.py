"""money.py is the one home of exact decimal arithmetic: its two contexts, sums, cents and text."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from costcalc import money

PACKAGE = Path(__file__).resolve().parents[1] / "costcalc"
# Contexts that are not money arithmetic, and why.
NOT_MONEY = {
    "prices/importers/common.py": "a JSON float's 15 significant digits: a parsing rule",
    "tokens/tokenizers.py": "token-count ratios and bands, rounded to whole tokens",
}


def test_no_module_but_money_builds_a_decimal_context():
    builders = re.compile(r"\bContext\(|localcontext\(\)")
    found = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                   if builders.search(path.read_text(encoding="utf-8")))
    money_like = [p for p in found if p not in NOT_MONEY]
    assert money_like == ["money.py"]


def test_the_two_contexts():
    assert (money.EXACT.prec, money.DIVIDE.prec) == (120, 50)
    third = money.DIVIDE.divide(D(1), D(3))
    assert third == D("0." + "3" * 50)
    # 50-digit amounts: their sum and product are exact at 120 digits
    assert money.exact_sum([third, third, third]) == D("0." + "9" * 50)
    # (1/3 to 50 digits) squared = 333...3 (50 threes) squared x 10^-100: 100 digits, kept whole
    assert money.EXACT.multiply(third, third) == D(int("3" * 50) ** 2).scaleb(-100, money.EXACT)
    with pytest.raises(ZeroDivisionError):
        money.DIVIDE.divide(D(1), D(0))


def test_cents_half_to_even_and_never_negative_zero():
    assert [money.cents(D(v)) for v in ("0.125", "0.135", "-0.004", "2.675")] == \
        [D("0.12"), D("0.14"), D("0.00"), D("2.68")]
    assert str(money.cents(D("-1E-40"))) == "0.00"


def test_text_conversion_and_per_mtok():
    assert money.decimal_text(D("1E+3")) == "1000" and money.decimal_text(D("5.220")) == "5.22"
    # 2,500 tokens at 1.25 USD per 1M: 2,500 x 1.25 / 1,000,000 = 0.003125
    assert money.per_mtok(D(2500), D("1.25")) == D("0.003125")
    # 0.003125 USD at 0.92 EUR per USD = 0.002875 EUR
    assert money.convert(D("0.003125"), D("0.92")) == D("0.002875")
