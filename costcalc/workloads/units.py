"""Unit costs: what finance divides by (`units: {user: 12000, conversation: derived, ticket: {per_request:
0.25}}` on a profile).

  a number        units per month (users, seats): the same count every month of the period
  derived         counted by the projection: `request` (the requests users make; retries not
                  counted: a retried request is one unit however many attempts it takes), or the shape's own
                  unit (`conversation` of a conversation profile, `task` of an agent profile)
  {per_request}   units per request (0.25 resolved tickets per request)

cost per unit in a month = the month's cost / the month's units; over the period = the period's cost / its
units. Pure: counts arrive from the projection (meta.units), costs from the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

UNIT_PATTERN = r"[a-z][a-z0-9_]*"


@dataclass(frozen=True)
class Unit:
    name: str
    per_month: Decimal | None = None  # a fixed count per month
    derived: bool = False  # counted by the projection (requests, conversations, tasks)
    per_request: Decimal | None = None  # units per request

    def count(self, requests: Decimal, shaped_units: Decimal | None) -> Decimal:
        """Units in a month with `requests` requests (the profile's own, not retries) and `shaped_units`
        conversations or tasks (None for a plain profile)."""
        if self.per_month is not None:
            return self.per_month
        if self.per_request is not None:
            return requests * self.per_request
        if self.name == "request" or shaped_units is None:
            return requests
        return shaped_units

    def describe(self) -> str:
        if self.per_month is not None:
            return f"{self.name}: {self.per_month.normalize():,f}/month"
        if self.per_request is not None:
            return f"{self.name}: {self.per_request.normalize():f} per request"
        return f"{self.name}: derived"
