"""Run diagram conditions, scripts and timer expressions: checked, instrumented, metered.

SpiffWorkflow would `eval`/`exec` diagram text as plain Python (reference notes P12). Here the
text is first checked against the restricted language (`language`, also run at deploy), then
rewritten (`instrument`) so that every call and operation goes through the checked wrappers of
`guards`, and run with a builtins table holding no function at all: the allowed ones are reached
through the wrappers only. Every evaluation counts on the meter of the step it runs in
(`limits.metered`), so a step's bounds hold whatever number of conditions and scripts it runs.

Loops are bounded here too: a standard loop's condition is not evaluated past
`MAX_LOOP_ITERATIONS` iterations, and a multi-instance cardinality above it is refused.
What a script writes back into task data must be storable: no function, no NaN or infinity,
no value nesting more than `MAX_ITEMS` elements in all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    MultiInstanceTask,
    StandardLoopTask,
)

from engine.spiff import limits
from engine.spiff.guards import HELPER_NAMES, SAFE_FUNCTIONS, Guards, allowed_ids
from engine.spiff.instrument import instrument
from engine.spiff.language import check_source
from engine.spiff.limits import MAX_LOOP_ITERATIONS, ScriptLimitError, UnsafeScriptError

__all__ = ["ScriptLimitError", "UnsafeScriptError", "check_source", "make_script_engine"]

_CONSTANTS = {"True": True, "False": False, "None": None}


@lru_cache(maxsize=4096)
def _compiled(source: str, mode: str, extra_functions: frozenset[str]) -> CodeType:
    tree = instrument(check_source(source, mode, extra_functions))
    code: CodeType = compile(tree, limits.DIAGRAM_FILENAME, mode)
    return code


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """Evaluates diagram expressions with task data as variables and only the checked calls."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None) -> None:
        super().__init__(dict(functions or {}))
        self._function_names = frozenset(self.globals)
        self._allowed = allowed_ids(self.globals)
        self._fixed = {"__builtins__": _CONSTANTS, **SAFE_FUNCTIONS, **self.globals}

    def _namespace(
        self, context: Mapping[str, Any], external: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        guards = Guards(limits.current_meter(), self._allowed)
        # Last: task data can never shadow an allowed function or a wrapper.
        return {**(external or {}), **context, **self._fixed, **guards.namespace()}

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        code = _compiled(expression.strip(), "eval", self._function_names)
        return eval(code, self._namespace(context, external_context))  # noqa: S307 - checked

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        code = _compiled(script, "exec", self._function_names)
        namespace = self._namespace(context, external_context)
        before = dict(namespace)
        exec(code, namespace)  # noqa: S102 - checked above
        hidden = (
            {"__builtins__"}
            | HELPER_NAMES
            | set(SAFE_FUNCTIONS)
            | self._function_names
            | set(external_context or {})
        )
        written = {
            key: value
            for key, value in namespace.items()
            if key not in hidden and (key not in before or before[key] is not value)
        }
        for key, value in written.items():
            check_storable(key, value)
        for key, value in namespace.items():
            if key not in hidden and (key in context or key in written):
                context[key] = value
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise UnsafeScriptError("service tasks are not supported; model the work as a user task")


def check_storable(name: str, value: Any) -> None:
    """Task data a script wrote must be JSON the database stores: finite numbers, bounded size.

    Raises:
        ScriptLimitError: naming the variable.
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        total += 1
        if total > limits.MAX_ITEMS:
            raise ScriptLimitError(
                f"the script wrote '{name}' with more than {limits.MAX_ITEMS} elements"
            )
        if isinstance(item, float) and not math.isfinite(item):
            raise ScriptLimitError(
                f"the script wrote {item} into '{name}'; NaN and infinity cannot be stored"
            )
        if callable(item):
            raise UnsafeScriptError(f"the script wrote a function into '{name}'")
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())


class _BoundedScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's script engine, with loops bounded where it evaluates their expressions."""

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        spec = task.task_spec
        if isinstance(spec, StandardLoopTask) and expression == spec.condition:
            done = len(task.internal_data.get("merged", []))
            if done >= MAX_LOOP_ITERATIONS:
                raise ScriptLimitError(
                    f"loop '{spec.bpmn_id}' ran {done} times; at most {MAX_LOOP_ITERATIONS} "
                    "iterations are allowed"
                )
        result = super().evaluate(task, expression, external_context)
        if (
            isinstance(spec, MultiInstanceTask)
            and expression == spec.cardinality
            and (not isinstance(result, int) or result > MAX_LOOP_ITERATIONS)
        ):
            raise ScriptLimitError(
                f"multi-instance '{spec.bpmn_id}' asked for {result!r} instances; at most "
                f"{MAX_LOOP_ITERATIONS} are allowed"
            )
        return result


def make_script_engine(functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    return _BoundedScriptEngine(environment=SandboxedEnvironment(functions))
