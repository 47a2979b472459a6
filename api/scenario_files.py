"""Scenario files (docs/scenarios.md): read and checked before anything runs.

A scenario file is written by an analyst, so it is untrusted input: YAML is read with the safe
loader, aliases (which can expand a small file into a huge one) and files over `MAX_BYTES` are
refused, and every problem names the file, the line and the key (`steps[3].as`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Final

import yaml

MAX_BYTES: Final = 256 * 1024
MAX_STEPS: Final = 200
#: The years a scenario's clock may show (the calendar data covers these; none overflows).
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
SUFFIXES: Final = (".yaml", ".yml")
ROLES: Final = ("reception", "specialist", "leader")
APPLICANT: Final = "applicant"
STEP_KINDS: Final = ("task", "supplement", "timers", "withdraw", "stop")
REFUSALS: Final = (403, 404, 409, 422)
_STEP_KEYS: Final = frozenset({*STEP_KINDS, "at", "as", "data", "expect"})
_TOP_KEYS: Final = frozenset(
    {"title", "start", "unit", "units", "channel", "applicant", "submission", "steps", "expect"}
)
_EXPECT_KEYS: Final = frozenset(
    {
        "status",
        "open",
        "open_in",
        "due_at",
        "original_due_at",
        "timeliness",
        "documents",
        "paused",
        "refused",
        "field",
    }
)
_UNIT_CODE = re.compile(r"^[0-9A-Za-z.\-]{1,40}$")
_BPMN_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$")
CHANNELS: Final = ("online", "direct", "postal")
DEFAULT_UNIT: Final = "000.00.07.H29"
DEFAULT_APPLICANT: Final = {"full_name": "Nguyễn Văn An", "id_number": "001090012345"}


class ScenarioFileError(Exception):
    """A scenario file that cannot run, and where."""

    def __init__(self, file: str, line: int | None, where: str, message: str) -> None:
        place = f"{file}:{line}" if line else file
        super().__init__(f"{place}: {where}: {message}" if where else f"{place}: {message}")


@dataclass(frozen=True, slots=True)
class Expectation:
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def refused(self) -> int | None:
        refused = self.values.get("refused")
        return int(refused) if refused is not None else None


@dataclass(frozen=True, slots=True)
class Step:
    number: int  # 1-based, as the table prints it
    line: int | None
    kind: str
    at: datetime | None
    role: str  # reception | specialist | leader | applicant
    unit: str | None  # `as: role@unit`; None: the dossier's unit
    target: Any  # the bpmn id (task), the data (supplement, stop), the reason (withdraw)
    data: Mapping[str, Any]
    expect: Expectation


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str  # the file's stem
    file: str
    title: str
    start: datetime
    unit: str
    units: Mapping[str, str]
    channel: str
    applicant: Mapping[str, Any]
    submission: Mapping[str, Any]
    steps: tuple[Step, ...]
    expect: Expectation

    @property
    def unit_codes(self) -> set[str]:
        """Every unit the scenario needs: its own, the ones it declares, the officers' ones."""
        return {self.unit, *self.units, *(s.unit for s in self.steps if s.unit)}


def scenario_files(diagram: Path) -> list[Path]:
    """The scenarios shipped with `bpmn/<key>.bpmn`: `bpmn/<key>/scenarios/*.yaml`."""
    folder = diagram.parent / diagram.stem / "scenarios"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


def load_scenario(path: Path) -> Scenario:
    """Read and check one scenario file.

    Raises:
        ScenarioFileError: unreadable, too big, not YAML, aliases, or a key or value that is
            wrong, naming the line and the key.
    """
    name = path.name
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES + 1)  # never more: the path may name anything
    except OSError as exc:
        raise ScenarioFileError(name, None, "", f"cannot be read ({exc.strerror})") from exc
    if len(raw) > MAX_BYTES:
        raise ScenarioFileError(name, None, "", f"is larger than {MAX_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioFileError(name, None, "", "is not UTF-8 text") from exc
    root = _yaml(name, lambda: yaml.compose(text, Loader=yaml.SafeLoader))
    if root is None:
        raise ScenarioFileError(name, None, "", "is empty")
    _refuse_aliases(name, root)
    document = _yaml(name, lambda: yaml.safe_load(text))  # no alias is left to expand
    return _Reader(name, path.stem, root).scenario(document)


def _yaml(name: str, parse: Callable[[], Any]) -> Any:
    """`parse`'s result; a YAML error (syntax, a tag the safe loader does not construct)
    becomes the file's error, with its line."""
    try:
        return parse()
    except RecursionError as exc:  # the composer recurses once per level of nesting
        raise ScenarioFileError(name, None, "", "nests too deeply") from exc
    except (ValueError, OverflowError) as exc:  # e.g. an integer of thousands of digits
        raise ScenarioFileError(name, None, "", f"has a value that cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        raise ScenarioFileError(name, line, "", f"is not valid YAML: {problem}") from exc


def _refuse_aliases(file: str, root: yaml.Node) -> None:
    """An alias makes a node appear twice: a few lines can then expand exponentially."""
    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise ScenarioFileError(
                file, node.start_mark.line + 1, "", "anchors and aliases (&, *) are not allowed"
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


class _Reader:
    """Turns the loaded document into a `Scenario`, naming the line of each problem."""

    def __init__(self, file: str, name: str, root: yaml.Node) -> None:
        self.file, self.name, self.root = file, name, root

    def fail(self, where: str, message: str) -> ScenarioFileError:
        return ScenarioFileError(self.file, self._line(where), where, message)

    def _line(self, where: str) -> int | None:
        """The line of the deepest node of `where` (`steps[2].data`) the file has."""
        if not where:
            return None
        node: yaml.Node = self.root
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", where):
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and part.startswith("["):
                index = int(part[1:-1])
                child = node.value[index] if index < len(node.value) else None
            if child is None:
                break
            node = child
        return int(node.start_mark.line) + 1

    def scenario(self, document: Any) -> Scenario:
        top = self.mapping("", document, _TOP_KEYS)
        steps = top.get("steps")
        if not isinstance(steps, list) or not steps:
            raise self.fail("steps", "a list of at least one step is required")
        if len(steps) > MAX_STEPS:
            raise self.fail("steps", f"at most {MAX_STEPS} steps")
        unit = self.unit_code("unit", top.get("unit", DEFAULT_UNIT))
        units_raw = self.mapping("units", top.get("units", {}), None)
        units = {self.unit_code("units", code): str(name) for code, name in units_raw.items()}
        channel = top.get("channel", "online")
        if channel not in CHANNELS:
            raise self.fail("channel", f"one of {', '.join(CHANNELS)}")
        start = self.moment("start", top.get("start"))
        parsed = tuple(self.step(i, raw) for i, raw in enumerate(steps))
        last = start
        for step in parsed:
            if step.at is not None:
                if step.at < last:
                    where = f"steps[{step.number - 1}].at"
                    raise self.fail(where, "the clock never moves backwards")
                last = step.at
        return Scenario(
            name=self.name,
            file=self.file,
            title=str(top.get("title") or self.name),
            start=start,
            unit=unit,
            units=units,
            channel=channel,
            applicant=self.data("applicant", top.get("applicant", DEFAULT_APPLICANT)),
            submission=self.data("submission", top.get("submission", {})),
            steps=parsed,
            expect=self.expectation("expect", top.get("expect", {})),
        )

    def step(self, index: int, raw: Any) -> Step:
        where = f"steps[{index}]"
        step = self.mapping(where, raw, _STEP_KEYS)
        kinds = [kind for kind in STEP_KINDS if kind in step]
        if len(kinds) != 1:
            raise self.fail(where, f"exactly one of {', '.join(STEP_KINDS)}")
        kind = kinds[0]
        role, unit = self.actor(f"{where}.as", step.get("as"), kind)
        at = self.moment(f"{where}.at", step["at"]) if "at" in step else None
        target: Any = step[kind]
        if kind == "task":
            if not isinstance(target, str) or not _BPMN_ID.match(target):
                raise self.fail(f"{where}.task", "the BPMN id of a user task")
        elif kind == "timers":
            if target is not True or at is None:
                raise self.fail(f"{where}.timers", "write `timers: true` with the step's `at`")
        elif kind == "withdraw":
            if not isinstance(target, str) or not target.strip():
                raise self.fail(f"{where}.withdraw", "the applicant's reason, as text")
        else:  # supplement, stop
            target = self.data(f"{where}.{kind}", target)
        if "data" in step and kind != "task":
            raise self.fail(f"{where}.data", "only a `task` step takes `data`")
        return Step(
            number=index + 1,
            line=self._line(where),
            kind=kind,
            at=at,
            role=role,
            unit=unit,
            target=target,
            data=self.data(f"{where}.data", step.get("data", {})),
            expect=self.expectation(f"{where}.expect", step.get("expect", {})),
        )

    def actor(self, where: str, raw: Any, kind: str) -> tuple[str, str | None]:
        if raw is None:
            if kind == "task":
                raise self.fail(where, f"who takes the task: one of {', '.join(ROLES)}")
            return (ROLES[2] if kind == "stop" else APPLICANT), None
        if not isinstance(raw, str):
            raise self.fail(where, "a role, e.g. `specialist` or `specialist@000.00.08.H29`")
        role, _, unit = raw.partition("@")
        if role not in (*ROLES, APPLICANT):
            raise self.fail(where, f"one of {', '.join((*ROLES, APPLICANT))}")
        return role, (self.unit_code(where, unit) if unit else None)

    def expectation(self, where: str, raw: Any) -> Expectation:
        values = dict(self.mapping(where, raw, _EXPECT_KEYS))
        if "refused" in values and values["refused"] not in REFUSALS:
            raise self.fail(f"{where}.refused", f"one of {', '.join(map(str, REFUSALS))}")
        status = values.get("status")
        if "status" in values and (
            isinstance(status, bool) or not isinstance(status, int) or not 1 <= status <= 10
        ):
            raise self.fail(f"{where}.status", "a DVCQG status code, 1 to 10")
        for key in ("open", "documents"):
            if key in values and not (
                isinstance(values[key], list) and all(isinstance(v, str) for v in values[key])
            ):
                raise self.fail(f"{where}.{key}", "a list of names")
        for key in ("due_at", "original_due_at"):
            if key in values:
                values[key] = self.day_or_moment(f"{where}.{key}", values[key])
        return Expectation(values)

    def mapping(self, where: str, raw: Any, allowed: frozenset[str] | None) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(where, "a mapping (`key: value` lines) is expected")
        for key in raw:
            if not isinstance(key, str):
                raise self.fail(where, f"key {key!r} is not text")
            if allowed is not None and key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail(f"{where}.{key}" if where else key, f"unknown key; known: {known}")
        return raw

    def data(self, where: str, raw: Any) -> dict[str, Any]:
        """Form data as JSON: YAML dates and times become the ISO text the forms expect;
        anything else that is not JSON (binary, sets, infinities) is refused."""
        return {
            key: self.json_value(f"{where}.{key}", value)
            for key, value in self.mapping(where, raw, None).items()
        }

    def json_value(self, where: str, value: Any) -> Any:
        if isinstance(value, datetime | date | time):
            return value.isoformat()
        if isinstance(value, list):
            return [self.json_value(f"{where}[{i}]", item) for i, item in enumerate(value)]
        if isinstance(value, dict):
            return self.data(where, value)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(where, "a number that JSON cannot hold")
        if value is None or isinstance(value, str | int | float | bool):
            return value
        raise self.fail(where, f"a {type(value).__name__} is not a JSON value")

    def moment(self, where: str, raw: Any) -> datetime:
        if isinstance(raw, str):
            try:
                raw = datetime.fromisoformat(raw)
            except ValueError:
                raw = None
        if not isinstance(raw, datetime) or raw.tzinfo is None:
            raise self.fail(
                where, "a date and time with its UTC offset, e.g. 2026-03-10T09:00:00+07:00"
            )
        if not FIRST_YEAR <= raw.year <= LAST_YEAR:
            raise self.fail(where, f"a time between {FIRST_YEAR} and {LAST_YEAR}")
        return raw

    def day_or_moment(self, where: str, raw: Any) -> date | datetime:
        if isinstance(raw, datetime | date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw) if len(raw) == 10 else datetime.fromisoformat(raw)
            except ValueError:
                pass
        raise self.fail(where, "a date (2026-03-19) or a date and time with its offset")

    def unit_code(self, where: str, raw: Any) -> str:
        if not isinstance(raw, str) or not _UNIT_CODE.match(raw):
            raise self.fail(where, "a unit code, e.g. 000.00.07.H29")
        return raw
