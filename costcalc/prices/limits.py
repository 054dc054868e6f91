"""What one request to a model may hold: its context window (the prompt, every input kind together) and
its max output (output and reasoning tokens together). A limit the table does not give (None) is not
checked. Pure computation: used by quotes, the projection and re-pricing alike, so all three refuse the
same requests with the same words.
"""

from __future__ import annotations

from ..errors import LimitError
from .model import Model

CONTEXT = "context window"
MAX_OUTPUT = "max output"


def over_limit(model: Model, prompt_tokens: int, output_tokens: int) -> tuple[str, int, int] | None:
    """(which limit, its value, the count above it) when one request of this size does not fit, else
    None. The prompt is checked first: a request that does not fit in the window fails there."""
    if model.context_window is not None and prompt_tokens > model.context_window:
        return CONTEXT, model.context_window, prompt_tokens
    if model.max_output_tokens is not None and output_tokens > model.max_output_tokens:
        return MAX_OUTPUT, model.max_output_tokens, output_tokens
    return None


def describe(model_id: str, limit: str, value: int, count: int) -> str:
    """One line naming the model, the limit and the count."""
    if limit == CONTEXT:
        return (f"a {count:,}-token prompt is above {model_id}'s context window of {value:,} tokens")
    return (f"{count:,} output tokens (reasoning included) in one request are above {model_id}'s max "
            f"output of {value:,} tokens")


def above(model_id: str, limit: str, value: int) -> str:
    """The same as `describe` without the count (re-pricing reports the count as the record's value)."""
    if limit == CONTEXT:
        return f"prompt above {model_id}'s context window of {value:,} tokens (every input kind together)"
    return f"output above {model_id}'s max output of {value:,} tokens (reasoning included)"


def check_request(model: Model, prompt_tokens: int, output_tokens: int, hint: str = "") -> None:
    """Raise LimitError when one request of this size does not fit the model."""
    found = over_limit(model, prompt_tokens, output_tokens)
    if found is not None:
        raise LimitError(describe(model.id, *found) + hint)
