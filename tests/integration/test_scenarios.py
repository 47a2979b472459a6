"""Scenario files (docs/scenarios.md): every scenario shipped in bpmn/<key>/scenarios/ passes on
this run's database (SQLite or PostgreSQL); the runner reports the step and line that fail; a
file that cannot run is refused naming its line and key; `motcua scenario run` exits 0/1/2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from api.scenario_files import ScenarioFileError, load_scenario, scenario_files
from api.scenarios import prepare, run_scenario
from engine.clock import FrozenClock
from engine.context import EngineContext
from tests.conftest import REPO

SHIPPED = [
    (diagram, file)
    for diagram in sorted((REPO / "bpmn").glob("*.bpmn"))
    for file in scenario_files(diagram)
]
DIAGRAM = REPO / "bpmn" / "cap_lai_the_bhyt.bpmn"
START = "start: 2026-03-10T09:00:00+07:00\n"
ON_TIME = DIAGRAM.parent / "cap_lai_the_bhyt" / "scenarios" / "01_dung_han.yaml"


def test_every_procedure_ships_scenarios() -> None:
    with_scenarios = {diagram.stem for diagram, _ in SHIPPED}
    assert with_scenarios == {p.stem for p in (REPO / "bpmn").glob("*.bpmn")}


@pytest.mark.parametrize(
    ("diagram", "file"), SHIPPED, ids=[f"{d.stem}/{f.stem}" for d, f in SHIPPED]
)
def test_a_shipped_scenario_passes(
    bare_ctx: EngineContext, clock: FrozenClock, diagram: Path, file: Path
) -> None:
    scenario = load_scenario(file)
    procedure = prepare(bare_ctx, diagram, REPO / "forms", scenario)
    result = run_scenario(bare_ctx, clock, procedure, scenario)
    assert result.passed, result.failure
    assert result.steps_run == len(scenario.steps)


def _written(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_wrong_expectation_fails_at_its_step_and_line(
    bare_ctx: EngineContext, clock: FrozenClock, tmp_path: Path
) -> None:
    text = ON_TIME.read_text(encoding="utf-8").replace(
        "due_at: 2026-03-19, documents: [mau_01]}", "due_at: 2026-03-18, documents: [mau_01]}"
    )
    scenario = load_scenario(_written(tmp_path, text))
    procedure = prepare(bare_ctx, DIAGRAM, REPO / "forms", scenario)
    result = run_scenario(bare_ctx, clock, procedure, scenario)
    line = 1 + text.splitlines().index("  - task: check_dossier", 16)  # the second one
    assert result.failure == (
        f"step 2 (line {line}): due_at is '2026-03-19', expected '2026-03-18'"
    )
    assert result.steps_run == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "s.yaml: is empty"),
        ("steps: [\n", "s.yaml:2: is not valid YAML"),
        (
            "start: 2026-03-10T09:00:00+07:00\nx: &a [1]\nsteps: *a\n",
            "s.yaml:2: anchors and aliases (&, *) are not allowed",
        ),
        (
            START + "steps:\n  - task: a\n    as: leader\n    colour: red\n",
            "s.yaml:5: steps[0].colour: unknown key",
        ),
        (
            "start: 2026-03-10T09:00:00+07:00\nsteps:\n  - task: a\n    as: boss\n",
            "s.yaml:4: steps[0].as: one of reception, specialist, leader, applicant",
        ),
        (
            "start: 2026-03-10T09:00:00+07:00\nsteps:\n  - task: a\n",
            "s.yaml:3: steps[0].as: who takes the task",
        ),
        (
            "start: 2026-03-10T09:00:00\nsteps:\n  - withdraw: x\n",
            "s.yaml:1: start: a date and time with its UTC offset",
        ),
        (
            "start: 2026-03-10T09:00:00+07:00\nsteps:\n  - withdraw: x\n"
            "    at: 2026-03-09T09:00:00+07:00\n",
            "s.yaml:4: steps[0].at: the clock never moves backwards",
        ),
        (
            "start: 2026-03-10T09:00:00+07:00\nsteps:\n  - timers: true\n",
            "steps[0].timers: write `timers: true` with the step's `at`",
        ),
        (
            START + "steps:\n  - withdraw: x\n    expect: {refused: 500}\n",
            "s.yaml:4: steps[0].expect.refused: one of 403, 404, 409, 422",
        ),
        ("start: 2026-03-10T09:00:00+07:00\nsteps: []\n", "steps: a list of at least one step"),
        ("- 1\n- 2\n", "a mapping (`key: value` lines) is expected"),
        (
            START + "steps:\n  - withdraw: x\n    expect: {status: " + "9" * 5000 + "}\n",
            "cannot be read",
        ),
        (
            START + "submission: {photo: !!binary aGVsbG8=}\nsteps:\n  - withdraw: x\n",
            "submission.photo: a bytes",
        ),
        (
            START + "submission: {ids: !!set {a: null}}\nsteps:\n  - withdraw: x\n",
            "submission.ids: a set",
        ),
        (
            "start: 9999-12-31T23:00:00-07:00\nsteps:\n  - withdraw: x\n",
            "a time between 2000 and 2100",
        ),
        (START + "steps:\n  - withdraw: x\n    expect: {status: true}\n", "a DVCQG status code"),
        ("a: !!python/object:os.system {}\n", "is not valid YAML"),
    ],
)
def test_a_scenario_file_that_cannot_run_is_refused_naming_where(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(_written(tmp_path, text))
    assert message in str(caught.value)


def test_an_oversized_deeply_nested_or_binary_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError, match="nests too deeply"):
        load_scenario(_written(tmp_path, "steps: " + "[" * 20_000 + "]" * 20_000))
    with pytest.raises(ScenarioFileError, match="larger than 256 KiB"):
        load_scenario(_written(tmp_path, "#" * (256 * 1024 + 1)))
    path = tmp_path / "b.yaml"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ScenarioFileError, match="not UTF-8"):
        load_scenario(path)


def test_the_command_prints_a_table_and_exits_by_the_outcome(tmp_path: Path) -> None:
    bpmn = tmp_path / "bpmn"
    scenarios = bpmn / "cap_lai_the_bhyt" / "scenarios"
    scenarios.mkdir(parents=True)
    (bpmn / "cap_lai_the_bhyt.bpmn").write_bytes(DIAGRAM.read_bytes())
    (scenarios / "ok.yaml").write_bytes(ON_TIME.read_bytes())
    runner = CliRunner()
    args = ["scenario", "run", str(bpmn), "--forms", str(REPO / "forms")]
    passed = runner.invoke(main, args)
    assert passed.exit_code == 0, passed.output
    assert "cap_lai_the_bhyt       ok" in passed.output and "  PASS" in passed.output
    (scenarios / "late.yaml").write_text(
        ON_TIME.read_text(encoding="utf-8").replace(
            "timeliness: early\n  due_at", "timeliness: late\n  due_at"
        ),
        encoding="utf-8",
    )
    failed = runner.invoke(main, args)
    assert failed.exit_code == 1, failed.output
    assert "FAIL  at the end: timeliness is 'early', expected 'late'" in failed.output
    (scenarios / "broken.yaml").write_text("steps: [", encoding="utf-8")
    unreadable = runner.invoke(main, args)
    assert unreadable.exit_code == 2 and "UNREADABLE" in unreadable.output
    nothing = runner.invoke(main, [*args, "--only", "nope"])
    assert nothing.exit_code == 2 and "no scenario to run" in nothing.output
