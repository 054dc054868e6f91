"""costcalc: project monthly LLM API spend from a dated, sourced price table."""

__version__ = "0.1.0"
