"""The types of the estimate document (`costcalc.estimate/2`): one TypedDict per section, so the next
engineer and mypy can follow what `to_document` builds and what each renderer reads.

Why TypedDicts and not a dataclass tree: the document IS its JSON. It is built as plain dicts, written
with json.dumps, read back with json.loads (`costcalc render SAVED.json`) and handed to notebooks as a
dict; TypedDicts describe exactly that at no cost (no conversion step, nothing to keep in step between a
class and its JSON, the same objects at run time). A dataclass tree would need to_json/from_json for
every section and a copy of the whole document on each load, and its round trip would itself need a
test. The cost of TypedDicts: nothing is checked at run time; that is the job of document.check (what a
renderer relies on) and of the JSON Schema (costcalc/schemas.py). tests/test_document_types.py keeps
these types and the schema in step: every key here is in the schema and every key there is here.

Cost lines (`rows`) carry keys a TypedDict cannot name (`tag:NAME` per tag, `cost_<code>` in another
currency), so a row is a plain dict: `CostLine`; its fixed keys are described by `CostLineKeys`.

Money, rates and counts are exact decimal text; `Amounts` pairs the shown currency (`cost`,
meta.currency) with USD (`cost_usd`): a converted amount never sits in a `_usd` field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:  # Python 3.10 has no typing.NotRequired; annotations are never evaluated at run time
    from typing_extensions import NotRequired

Mark = Literal["n/a", "partial"] | None
"""A month where a model has no price all month (n/a) or only part of it (partial); None: priced."""

CostLine = dict[str, Any]
"""One cost line of `rows` (see CostLineKeys for its fixed keys, plus tag:NAME and cost_<code>)."""


class CostLineKeys(TypedDict):
    """The fixed keys of a cost line: cost_usd = tokens x usd_per_mtok / 1,000,000."""
    profile: str
    model: str
    provider: str
    month: str
    rule: str
    component: str
    tokens: str
    usd_per_mtok: str
    cost_usd: str
    case: NotRequired[str]  # only when the result holds low/high cases
    period_start: str
    period_end: str


class Total(TypedDict):
    """Per profile, (case,) model and month: never added across alternatives."""
    profile: str
    case: NotRequired[str]
    model: str
    month: str
    cost_usd: str


class Amounts(TypedDict):
    cost: str       # in the shown currency (meta.currency)
    cost_usd: str   # in USD


class MonthAmount(TypedDict):
    month: str
    cost: str
    cost_usd: str


class PlanTotalMonth(TypedDict):
    month: str
    cost: str       # what is priced: a month marked n/a or partial leaves the rest out
    cost_usd: str
    mark: Mark      # n/a: no profile of the plan has a price that month; partial: some has none (all or part)


class PlanMonth(TypedDict):
    month: str
    cost: str
    cost_usd: str
    requests: str
    mark: Mark  # the profile's model not available all month / part of it


class UnitMonth(TypedDict):
    month: str
    count: str
    per_unit: Amounts | None  # None: no units that month


class UnitCost(TypedDict):
    """Cost per unit of a profile's `units:` (costcalc.report.unitcosts): per month and over the period."""
    unit: str
    count: str  # over the period: the months' sum, or for a stock its average count per month
    stock: NotRequired[bool]  # a count per month (users, seats): per_unit is the period's cost / count
    per_unit: Amounts | None
    months: list[UnitMonth]


class PlanUnitMonth(TypedDict):
    month: str
    count: str
    per_unit: Amounts | None  # None: no units that month, or the plan leaves the month out
    mark: Literal["n/a"] | None  # the plan leaves something out of the month: no figure


class PlanUnitCost(TypedDict):
    """A plan's total per unit of the file's top-level `units:` (costcalc.report.unitcosts.plan_unit_costs)."""
    unit: str
    count: str  # over the period: the months' sum, or for a stock its average count per month
    stock: NotRequired[bool]  # the product's count per month (users, seats): per_unit is the period's cost / count
    per_unit: Amounts | None  # None: no units, or the plan leaves months out of its total
    months: list[PlanUnitMonth]


class PlanProfile(TypedDict):
    profile: str
    model: str
    months: list[PlanMonth]
    total: Amounts
    requests: str
    requests_per_month: str
    cost_per_request: Amounts | None  # None: no requests
    cost_per_1k: Amounts | None
    units: NotRequired[list[UnitCost]]  # with units: only


class Plan(TypedDict):
    name: str
    kind: Literal["current", "cheapest", "all-on", "user"]
    description: str
    notes: list[str]
    months: list[PlanTotalMonth]
    total: Amounts
    profiles: list[PlanProfile]
    units: NotRequired[list[PlanUnitCost]]  # with the file's top-level units: only


class Cheapest(TypedDict):
    plan: str                 # the cheapest plan that covers every month
    total: Amounts
    saves: Amounts | None     # None: the chosen plan leaves months out, so the totals are not comparable
    saves_pct: str | None


class Headline(TypedDict):
    plan: str | None
    cheapest: Cheapest | None          # None: no plan covers every month
    left_out: NotRequired[list[str]]   # months the chosen plan's total leaves out (n/a or partial); absent: older
    not_compared: NotRequired[list[str]]  # plans whose totals leave months out


class BudgetMonth(TypedDict):
    month: str
    spend: str | None              # None: mark n/a (no price that month: no spend, headroom nor status)
    cumulative: str
    mark: NotRequired[Mark]        # n/a or partial: the spend covered has no price all / part of the month
    headroom: NotRequired[str]     # monthly budgets
    over: NotRequired[bool]
    period_left: NotRequired[str]  # period budgets


class Overrun(TypedDict):
    month: str
    overrun: str


class Headroom(TypedDict):
    month: str
    headroom: str


class Budget(TypedDict):
    """A budget rule (amounts in its own currency) and its status against its plan's spend."""
    scope: Literal["plan", "profile", "tag"]
    name: str
    profiles: list[str]
    monthly: str | None
    period: str | None
    currency: str
    source: str
    plan: str
    months: list[BudgetMonth]
    period_spend: str
    over_months: NotRequired[list[Overrun]]
    least_headroom: NotRequired[Headroom | None]
    runs_out: NotRequired[str | None]
    period_left: NotRequired[str]


class PriceChange(TypedDict):
    month: str
    position: float  # months from the first, with the instant's place inside its month
    label: str
    detail: str
    labels: list[str]
    at: str


class MonthComparison(TypedDict):
    month: str
    cost: str
    cost_usd: str
    requests: str
    cost_per_1k: Amounts | None                 # None: no requests that month
    mark: Mark                                  # not available all month / part of it


class ToolFee(TypedDict):
    tool: str
    calls: str
    cost: str
    cost_usd: str


class ModelComparison(TypedDict):
    model: str
    provider: str
    months: list[MonthComparison]
    total: Amounts
    rank: int
    cheapest: bool
    complete: bool              # priced every month; complete models rank first (comparisons.py)
    savings_vs_most_expensive: Amounts
    savings_pct: str
    savings_vs_current: Amounts | None
    fees: list[ToolFee]


class ComparisonCase(TypedDict):
    case: str
    cheapest: str | None        # None (and no models): no cost line in this case
    most_expensive: str | None
    models: list[ModelComparison]


class ProfileComparison(TypedDict):
    profile: str
    current: str | None
    cases: list[ComparisonCase]


class Comparisons(TypedDict):
    months: list[str]
    profiles: list[ProfileComparison]


class Fx(TypedDict):
    base: str
    currency: str
    rate: str
    symbol: str
    source: NotRequired[str | None]
    native: NotRequired[list[str]]


class PriceTable(TypedDict):
    version: str
    sha256: str
    files: NotRequired[list[dict[str, Any]]]


class RequestCount(TypedDict):
    """meta.requests: a profile's requests on a model in a month (per case)."""
    profile: str
    model: str
    month: str
    case: NotRequired[str]
    requests: str


class UnitCount(TypedDict):
    """meta.units: a profile's units (units:) on a model in a month (per case)."""
    profile: str
    model: str
    month: str
    case: NotRequired[str]
    unit: str
    count: str
    stock: NotRequired[bool]  # a count per month (users, seats) that is not added over months


class PlanUnitCount(TypedDict):
    """meta.plan_units: the file's top-level units: a count per month (profile and model None), or a
    profile's share on a model (derived, per_request)."""
    profile: str | None
    model: str | None
    month: str
    case: NotRequired[str]
    unit: str
    count: str


class Meta(TypedDict):
    schema: str
    currency: str
    fx: Fx | None
    scenario: str
    start: str
    months: int
    price_table: PriceTable
    assumptions: list[str]
    profiles: dict[str, dict[str, Any]]
    costcalc_version: str
    requests: list[RequestCount]
    units: list[UnitCount]
    plan_units: list[PlanUnitCount]
    list_rates: list[dict[str, Any]]
    native_rates: list[dict[str, Any]]
    not_available: list[dict[str, Any]]
    unpriced_calls: list[dict[str, Any]]
    over_limit_excluded: list[dict[str, Any]]
    plan: str
    user_plans: dict[str, dict[str, str]]
    budget_rules: list[dict[str, Any]]


class EstimateDocument(TypedDict):
    meta: Meta
    rows: list[CostLine]
    totals: list[Total]
    plans: list[Plan]
    headline: Headline
    budgets: list[Budget]
    comparisons: Comparisons
    price_changes: dict[str, list[PriceChange]]
    total_usd: str


# Each section's type, by its path in the JSON Schema (tests/test_document_types.py walks these).
SECTIONS: dict[str, type] = {
    "": EstimateDocument, "meta": Meta, "rows[]": CostLineKeys, "totals[]": Total, "plans[]": Plan,
    "plans[].months[]": PlanTotalMonth, "plans[].total": Amounts, "plans[].profiles[]": PlanProfile,
    "plans[].profiles[].months[]": PlanMonth, "headline": Headline, "headline.cheapest": Cheapest,
    "budgets[]": Budget, "budgets[].months[]": BudgetMonth, "budgets[].over_months[]": Overrun,
    "budgets[].least_headroom": Headroom, "price_changes{}[]": PriceChange, "comparisons": Comparisons,
    "comparisons.profiles[]": ProfileComparison, "comparisons.profiles[].cases[]": ComparisonCase,
    "comparisons.profiles[].cases[].models[]": ModelComparison,
    "comparisons.profiles[].cases[].models[].months[]": MonthComparison,
    "comparisons.profiles[].cases[].models[].fees[]": ToolFee, "meta.fx": Fx, "meta.price_table": PriceTable,
    "meta.requests[]": RequestCount, "meta.units[]": UnitCount, "plans[].profiles[].units[]": UnitCost,
    "plans[].profiles[].units[].months[]": UnitMonth, "plans[].profiles[].units[].per_unit": Amounts,
    "plans[].profiles[].units[].months[].per_unit": Amounts,
    "meta.plan_units[]": PlanUnitCount, "plans[].units[]": PlanUnitCost, "plans[].units[].months[]": PlanUnitMonth,
    "plans[].units[].per_unit": Amounts, "plans[].units[].months[].per_unit": Amounts,
    # the amounts: a shown-currency figure and its USD figure, wherever they appear
    "plans[].profiles[].total": Amounts, "plans[].profiles[].cost_per_request": Amounts,
    "plans[].profiles[].cost_per_1k": Amounts, "headline.cheapest.total": Amounts, "headline.cheapest.saves": Amounts,
    "comparisons.profiles[].cases[].models[].total": Amounts,
    "comparisons.profiles[].cases[].models[].savings_vs_most_expensive": Amounts,
    "comparisons.profiles[].cases[].models[].savings_vs_current": Amounts,
    "comparisons.profiles[].cases[].models[].months[].cost_per_1k": Amounts,
}

__all__ = ["Amounts", "Budget", "BudgetMonth", "Cheapest", "Comparisons", "ComparisonCase", "CostLine",
           "CostLineKeys", "EstimateDocument", "Fx", "Headline", "Headroom", "Mark", "Meta", "ModelComparison",
           "MonthAmount", "MonthComparison", "Overrun", "Plan", "PlanMonth", "PlanProfile", "PlanTotalMonth",
           "PlanUnitCost", "PlanUnitCount", "PlanUnitMonth", "PriceChange", "PriceTable", "ProfileComparison",
           "RequestCount", "SECTIONS", "ToolFee", "Total", "UnitCost", "UnitCount", "UnitMonth"]
