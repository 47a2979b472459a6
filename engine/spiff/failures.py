"""How a failed workflow step is told to the officer or applicant (a 422 `process-error`)."""

from __future__ import annotations

from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.spiff.scripting import UnsafeScriptError


def describe_failure(exc: BaseException) -> str:
    """What went wrong in a step, in one line of at most 300 characters: a bound of the sandbox
    with the element it stopped, or SpiffWorkflow's message with the cause it wraps."""
    inner = exc.__cause__ or exc.__context__
    limit = exc if isinstance(exc, UnsafeScriptError) else inner
    if isinstance(limit, UnsafeScriptError):  # a bound of the sandbox: say which and where
        bpmn_id = getattr(getattr(exc, "task_spec", None), "bpmn_id", None)
        where = f"'{bpmn_id}': " if bpmn_id else ""
        return f"{where}{_first_line(limit)}"[:300]
    text = _first_line(exc)
    # SpiffWorkflow wraps what went wrong in a diagram expression; say what it was.
    inner = exc.__cause__ or exc.__context__
    if isinstance(exc, SpiffWorkflowException) and inner is not None:
        text = f"{text.rstrip('.')}: {_first_line(inner)}"
    return text[:300]


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
