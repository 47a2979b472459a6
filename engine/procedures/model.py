"""What a deployed procedure declares in its diagram: metadata, steps, roles, forms, SLAs.

This is the engine's own description of a diagram, extracted once at deploy time (by
`engine.spiff.metadata`) and stored with the definition, so that reads never parse BPMN.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from engine.applicants import APPLICANT_PERSON, APPLICANT_PROPERTY
from engine.security.authz import Role

SLA_UNITS = ("working_days", "calendar_days_excl_holidays", "working_hours", "same_day")
DEFAULT_SAME_DAY_CUTOFF = time(15, 0)
#: Nodes SpiffWorkflow stops at for a person (`bpmn:task` included): each needs a role.
USER_TASK_KINDS = frozenset({"userTask", "manualTask", "task"})
#: How a diagram writes a true flag property (`overdue_warning=true`, `reappointment=yes`).
TRUE_VALUES = frozenset({"true", "yes", "1"})

_SLA_PATTERN = re.compile(
    r"^\s*(?:(?P<amount>\d{1,4})\s+(?P<unit>[a-z_]+)|(?P<same_day>same_day)(?:\s+(?P<cutoff>\d{1,2}:\d{2}))?)\s*$"
)

#: Lane names analysts use for each officer role (lower-cased, accents kept), besides the role key.
LANE_ROLE_ALIASES: Mapping[str, str] = {
    "reception": Role.RECEPTION,
    "bộ phận một cửa": Role.RECEPTION,
    "một cửa": Role.RECEPTION,
    "bộ phận tiếp nhận và trả kết quả": Role.RECEPTION,
    "tiếp nhận và trả kết quả": Role.RECEPTION,
    "tiếp nhận": Role.RECEPTION,
    "specialist": Role.SPECIALIST,
    "chuyên viên": Role.SPECIALIST,
    "phòng nghiệp vụ": Role.SPECIALIST,
    "chuyên viên nghiệp vụ": Role.SPECIALIST,
    "leader": Role.LEADER,
    "lãnh đạo": Role.LEADER,
    "lãnh đạo đơn vị": Role.LEADER,
}


@dataclass(frozen=True, slots=True)
class Sla:
    """A statutory or step time limit, e.g. `7 working_days` or `same_day 15:00`."""

    amount: int
    unit: str
    cutoff: time | None = None

    @classmethod
    def parse(cls, text: str) -> Sla:
        """Raises ValueError with a message an analyst can act on."""
        match = _SLA_PATTERN.match(text)
        if match is None:
            raise ValueError(
                f"'{text}' is not a time limit; write '<number> <unit>' with unit one of "
                f"{', '.join(SLA_UNITS)}, or 'same_day [HH:MM]'"
            )
        if match["same_day"]:
            cutoff = DEFAULT_SAME_DAY_CUTOFF
            if match["cutoff"]:
                hours, minutes = (int(part) for part in match["cutoff"].split(":"))
                if hours > 23 or minutes > 59:
                    raise ValueError(f"'{match['cutoff']}' is not a time of day")
                cutoff = time(hours, minutes)
            return cls(amount=0, unit="same_day", cutoff=cutoff)
        unit = match["unit"]
        if unit not in SLA_UNITS or unit == "same_day":
            raise ValueError(f"unknown time-limit unit '{unit}'; use one of {', '.join(SLA_UNITS)}")
        amount = int(match["amount"])
        if amount < 1:
            raise ValueError("a time limit must be at least 1")
        return cls(amount=amount, unit=unit)

    @property
    def text(self) -> str:
        if self.unit == "same_day":
            assert self.cutoff is not None
            return f"same_day {self.cutoff.strftime('%H:%M')}"
        return f"{self.amount} {self.unit}"


@dataclass(frozen=True, slots=True)
class NodeModel:
    """One flow node of the diagram as the one-stop office sees it."""

    bpmn_id: str
    name: str
    kind: str  # BPMN element local name: userTask, startEvent, exclusiveGateway, ...
    lane: str | None = None
    role: str | None = None
    form_key: str | None = None
    status: int | None = None
    sla: Sla | None = None
    line: int | None = None
    properties: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_user_task(self) -> bool:
        return self.kind in USER_TASK_KINDS

    def flag(self, name: str) -> bool:
        """Whether the node sets the flag property `name` (e.g. `overdue_warning`)."""
        return self.properties.get(name, "").strip().lower() in TRUE_VALUES


@dataclass(frozen=True, slots=True)
class ProcedureModel:
    key: str
    name: str
    code: str | None
    sla: Sla | None
    submission_form: str | None
    documentation: str
    properties: Mapping[str, str]
    nodes: Mapping[str, NodeModel]

    def node(self, bpmn_id: str) -> NodeModel | None:
        return self.nodes.get(bpmn_id)

    @property
    def supplement_clock(self) -> str:
        return self.properties.get("supplement_clock", "restart")

    @property
    def applicant_kind(self) -> str:
        """Who submits: `person` (the default) or `employer` (engine.applicants)."""
        return self.properties.get(APPLICANT_PROPERTY, APPLICANT_PERSON).strip()

    def user_tasks(self) -> list[NodeModel]:
        return [node for node in self.nodes.values() if node.is_user_task]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "code": self.code,
            "sla": self.sla.text if self.sla else None,
            "submission_form": self.submission_form,
            "documentation": self.documentation,
            "properties": dict(self.properties),
            "nodes": [_node_to_dict(node) for node in self.nodes.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProcedureModel:
        nodes = [_node_from_dict(item) for item in data["nodes"]]
        return cls(
            key=data["key"],
            name=data["name"],
            code=data.get("code"),
            sla=Sla.parse(data["sla"]) if data.get("sla") else None,
            submission_form=data.get("submission_form"),
            documentation=data.get("documentation", ""),
            properties=dict(data.get("properties", {})),
            nodes={node.bpmn_id: node for node in nodes},
        )


def role_for_lane(lane_name: str | None) -> str | None:
    """The officer role a lane stands for, by its key or its Vietnamese name; None if unknown."""
    if not lane_name:
        return None
    normalized = " ".join(unicodedata.normalize("NFC", lane_name).casefold().split())
    role = LANE_ROLE_ALIASES.get(normalized)
    return str(role) if role else None


def _node_to_dict(node: NodeModel) -> dict[str, Any]:
    return {
        "bpmn_id": node.bpmn_id,
        "name": node.name,
        "kind": node.kind,
        "lane": node.lane,
        "role": node.role,
        "form_key": node.form_key,
        "status": node.status,
        "sla": node.sla.text if node.sla else None,
        "line": node.line,
        "properties": dict(node.properties),
    }


def _node_from_dict(data: Mapping[str, Any]) -> NodeModel:
    return NodeModel(
        bpmn_id=data["bpmn_id"],
        name=data["name"],
        kind=data["kind"],
        lane=data.get("lane"),
        role=data.get("role"),
        form_key=data.get("form_key"),
        status=data.get("status"),
        sla=Sla.parse(data["sla"]) if data.get("sla") else None,
        line=data.get("line"),
        properties=dict(data.get("properties", {})),
    )
