"""Read what the one-stop office needs from a diagram's XML, whichever modeler wrote it.

Camunda Modeler writes `camunda:formKey`, `camunda:candidateGroups` and `camunda:properties`;
SpiffArena writes `spiffworkflow:properties` (with `formJsonSchemaFilename`); plain bpmn.io
diagrams have lanes and documentation only, so there an element's properties are `name: value`
lines of its documentation (`sla: 5 working_days`, `status: 4`, `form: appraisal`). All three
end up in the same `ProcedureModel`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from engine.errors import DefinitionProblem
from engine.procedures import checks as procedure_checks
from engine.procedures.issues import issues_problems
from engine.procedures.model import USER_TASK_KINDS, NodeModel, ProcedureModel, Sla, role_for_lane
from engine.security.authz import OFFICER_ROLES
from engine.spiff.xml import BPMN_NS, CAMUNDA_NS, FLOW_NODE_KINDS, SPIFF_NS, local_name

_NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "spiffworkflow": SPIFF_NS}
_FORM_SUFFIXES = (".schema.json", ".json", ".form")
#: Properties a plain bpmn.io diagram may write as `name: value` lines of its documentation.
DOCUMENTATION_PROPERTIES = frozenset(
    {
        "procedure_code",
        "sla",
        "supplement_clock",
        "legal_basis",
        "result",
        "applicant",
        "status",
        "form",
        "role",
        "submission_form",
        "issues",
        "transfer_to",
        "result_fields",
    }
)
#: Statuses a person's act sets on the whole dossier, whatever step it is at: never a node's.
ACTS_NOT_STEPS = {
    7: "a withdrawal (7) is the applicant's act (POST /dossiers/{code}/withdraw), "
    "not a step of the diagram",
    8: "stopping the handling (8) is a leader's act that issues Mẫu 05 "
    "(POST /dossiers/{code}/stop), not a step of the diagram",
}
_DOC_PROPERTY = re.compile(r"^\s*([a-z_]+)\s*[:=]\s*(.+?)\s*$")


def executable_process_ids(root: Any) -> list[str]:
    return [
        str(p.get("id"))
        for p in root.iterfind("bpmn:process", _NS)
        if p.get("isExecutable", "true").lower() != "false" and p.get("id")
    ]


def extract_model(
    root: Any, filename: str, process_id: str
) -> tuple[ProcedureModel, list[DefinitionProblem]]:
    """Build the procedure model of `process_id`; problems found are returned, not raised."""
    problems: list[DefinitionProblem] = []
    process = root.find(f"bpmn:process[@id='{process_id}']", _NS)
    if process is None:
        problems.append(DefinitionProblem("error", f"no process with id '{process_id}'", filename))
        empty = ProcedureModel(process_id, process_id, None, None, None, "", {}, {})
        return empty, problems

    props = element_properties(process)
    lanes = _lane_of_each_node(process)
    nodes: dict[str, NodeModel] = {}
    submission_form = props.get("submission_form")
    for element in _flow_nodes(process):
        node = _node_model(element, lanes, filename, problems)
        nodes[node.bpmn_id] = node
        if node.kind == "startEvent" and node.form_key and submission_form is None:
            submission_form = node.form_key

    sla: Sla | None = None
    if "sla" in props:
        try:
            sla = Sla.parse(props["sla"])
        except ValueError as exc:
            problems.append(
                DefinitionProblem(
                    "error",
                    f"process property sla: {exc}",
                    filename,
                    process.sourceline,
                    process_id,
                )
            )
    model = ProcedureModel(
        key=process_id,
        name=(process.get("name") or process_id).strip(),
        code=props.get("procedure_code") or props.get("code"),
        sla=sla,
        submission_form=_normalize_form_key(submission_form) if submission_form else None,
        documentation=_documentation(process),
        properties=props,
        nodes=nodes,
    )
    problems += procedure_checks.check(model, filename, process.sourceline)
    return model, problems


def element_properties(element: Any) -> dict[str, str]:
    """Properties of an element: documentation lines, then spiffworkflow, then camunda ones
    (a later source wins on a clash)."""
    found = _documentation_properties(element)
    ext = element.find("bpmn:extensionElements", _NS)
    if ext is None:
        return found
    for prefix in ("spiffworkflow", "camunda"):
        for prop in ext.iterfind(f"{prefix}:properties/{prefix}:property", _NS):
            name = prop.get("name")
            if name:
                found[name.strip()] = (prop.get("value") or prop.text or "").strip()
    return found


def element_form_key(element: Any, props: dict[str, str] | None = None) -> str | None:
    """The form an element names, in any dialect, normalised to the form file's stem."""
    props = element_properties(element) if props is None else props
    raw = (
        element.get(f"{{{CAMUNDA_NS}}}formKey")
        or props.get("formJsonSchemaFilename")
        or props.get("form_key")
        or props.get("formKey")
        or props.get("form")
    )
    return _normalize_form_key(raw) if raw else None


def _documentation_properties(element: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for doc in element.iterfind("bpmn:documentation", _NS):
        for line in (doc.text or "").splitlines():
            match = _DOC_PROPERTY.match(line)
            if match and match[1] in DOCUMENTATION_PROPERTIES:
                found[match[1]] = match[2]
    return found


def _flow_nodes(container: Any) -> Iterator[Any]:
    for child in container:
        kind = local_name(child)
        if kind in FLOW_NODE_KINDS and child.get("id"):
            yield child
            if kind in {"subProcess", "transaction", "adHocSubProcess"}:
                yield from _flow_nodes(child)


def _lane_of_each_node(process: Any) -> dict[str, str]:
    """Map node id -> name of the innermost lane that lists it."""
    lanes: dict[str, str] = {}

    def walk(lane_set: Any) -> None:
        for lane in lane_set.iterfind("bpmn:lane", _NS):
            name = (lane.get("name") or lane.get("id") or "").strip()
            for ref in lane.iterfind("bpmn:flowNodeRef", _NS):
                if ref.text:
                    lanes[ref.text.strip()] = name
            child = lane.find("bpmn:childLaneSet", _NS)
            if child is not None:
                walk(child)

    for lane_set in process.iter(f"{{{BPMN_NS}}}laneSet"):
        walk(lane_set)
    return lanes


def _node_model(
    element: Any, lanes: dict[str, str], filename: str, problems: list[DefinitionProblem]
) -> NodeModel:
    bpmn_id = str(element.get("id"))
    kind = local_name(element)
    props = element_properties(element)
    line = element.sourceline

    def problem(message: str) -> None:
        problems.append(DefinitionProblem("error", message, filename, line, bpmn_id))

    form_key = element_form_key(element, props)
    status: int | None = None
    if "status" in props:
        try:
            status = int(props["status"])
        except ValueError:
            status = None
        if status is None or not 1 <= status <= 10:
            problem(f"property status='{props['status']}' is not a DVCQG status code 1-10")
            status = None
        elif status in ACTS_NOT_STEPS:
            problem(f"property status='{status}': {ACTS_NOT_STEPS[status]}")
            status = None
    sla: Sla | None = None
    if "sla" in props:
        try:
            sla = Sla.parse(props["sla"])
        except ValueError as exc:
            problem(f"property sla: {exc}")
    for message in issues_problems(props, is_user_task=kind in USER_TASK_KINDS, status=status):
        problem(message)

    lane = lanes.get(bpmn_id)
    role: str | None = None
    if kind in USER_TASK_KINDS:
        groups = element.get(f"{{{CAMUNDA_NS}}}candidateGroups") or props.get("role") or ""
        candidates = [g.strip() for g in groups.split(",") if g.strip()]
        if candidates:
            role = (
                next((c for c in candidates if c in OFFICER_ROLES), None)
                or role_for_lane(candidates[0])
                or candidates[0]
            )
        else:
            role = role_for_lane(lane)
        if role is None:
            problem(
                "user task has no role: put it in a lane named after a role (reception/Bộ phận "
                "Một cửa, specialist/Chuyên viên, leader/Lãnh đạo) or set camunda:candidateGroups"
            )
        elif role not in OFFICER_ROLES:
            problem(
                f"unknown role '{role}'; known officer roles: {', '.join(sorted(OFFICER_ROLES))}"
            )
    return NodeModel(
        bpmn_id=bpmn_id,
        name=(element.get("name") or bpmn_id).strip(),
        kind=kind,
        lane=lane,
        role=role,
        form_key=form_key,
        status=status,
        sla=sla,
        line=line,
        properties=props,
    )


def _normalize_form_key(raw: str) -> str:
    """`camunda-forms:deployment:x.form`, `forms/x.json` and `x` all name the form `x`."""
    key = raw.strip().rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    for suffix in _FORM_SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def _documentation(element: Any) -> str:
    """The documentation text an applicant reads, without `name: value` property lines."""
    doc = element.find("bpmn:documentation", _NS)
    lines = (doc.text or "").splitlines() if doc is not None else []
    kept = [
        line
        for line in lines
        if not ((m := _DOC_PROPERTY.match(line)) and m[1] in DOCUMENTATION_PROPERTIES)
    ]
    return "\n".join(kept).strip()
