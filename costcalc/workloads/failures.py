"""Failed calls and their retries: `failures: {rate, billed: input|input+output|none, retries: N}`.

Every attempt fails with probability `rate`, independently; a failed attempt is retried up to N times. Per
request a user makes:
  attempts          1 + r + r^2 + ... + r^N       (attempt j+1 is made when the first j all failed)
  failed attempts   r + r^2 + ... + r^(N+1)        (each attempt made fails with probability r)
  succeeded         1 - r^(N+1)                    (attempts - failed attempts)
A succeeded attempt is billed in full. A failed attempt is billed as `billed` says: its input (every input
kind: uncached, cache reads and writes), its input and output, or nothing. The projection prices the
succeeded attempts as the profile's usual lines and the failed ones as lines of their own (rule
"... (failed attempts)"), so their cost is never hidden in a mean.

Pure and exact: powers and sums of a Decimal rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

BILLED = ("input", "input+output", "none")
MAX_RETRIES = 100
_ONE = Decimal(1)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Failures:
    rate: Decimal  # 0 <= rate < 1
    billed: str = "input"  # one of BILLED
    retries: int = 0

    def attempts(self) -> Decimal:
        """Attempts per request: 1 + r + ... + r^N."""
        return sum((self.rate ** j for j in range(self.retries + 1)), _ZERO)

    def failed(self) -> Decimal:
        """Failed attempts per request: r + r^2 + ... + r^(N+1)."""
        return sum((self.rate ** j for j in range(1, self.retries + 2)), _ZERO)

    def succeeded(self) -> Decimal:
        """Requests that end in a success: 1 - r^(N+1)."""
        return _ONE - self.rate ** (self.retries + 1)

    def billed_parts(self) -> tuple[bool, bool]:
        """(input billed, output billed) of a failed attempt."""
        return self.billed != "none", self.billed == "input+output"

    def describe(self) -> str:
        return (f"failures {(self.rate * 100).normalize():f}% billed {self.billed}, "
                f"{self.retries} retr{'y' if self.retries == 1 else 'ies'}")
