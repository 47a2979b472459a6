"""A procedure's level-1 information (docs/domain.md section 6) as the portal shows it, from
what its diagram declares; what the diagram does not declare is shown as such, never made up.

Diagram properties read here (process properties, see docs/web.md): `procedure_code`, `sla`,
`result`, `legal_basis`, `fees`, `dossier_components` (items separated by `;` or new lines),
`competent_authority`, and `summary` (a plain-language sentence for citizens; the process
documentation is the analysts' own note and is not shown). Steps are the diagram's user tasks;
the units are those that receive dossiers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.results import ProcedureDetail, UnitDetail
from web.formatting import role_name, sla_text
from web.i18n import _

CHANNELS = (
    "Trực tuyến trên Cổng Dịch vụ công",
    "Trực tiếp tại Bộ phận Một cửa của cơ quan BHXH",
    "Qua dịch vụ bưu chính công ích",
)
_ITEM_SEPARATOR = re.compile(r"\s*(?:;|\n)\s*")


@dataclass(frozen=True, slots=True)
class InfoRow:
    label: str
    #: None when the diagram does not declare it (shown as "not declared").
    value: str | None
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StepInfo:
    name: str
    who: str
    time_limit: str | None


@dataclass(frozen=True, slots=True)
class ProcedureInfo:
    key: str
    name: str
    summary: str | None
    rows: list[InfoRow]
    steps: list[StepInfo]
    units: list[UnitDetail]
    form_title: str | None


def procedure_info(detail: ProcedureDetail, units: list[UnitDetail]) -> ProcedureInfo:
    props = detail.properties
    sla = sla_text(detail.sla.amount, detail.sla.unit, detail.sla.text) if detail.sla else None
    form = detail.submission_form or {}
    form_title = form.get("title") if isinstance(form.get("title"), str) else None
    components = _items(props.get("dossier_components"))
    if not components and form_title:
        components = (_("%(form)s (điền trực tuyến)", form=form_title),)
    rows = [
        InfoRow(_("Mã thủ tục"), detail.code),
        InfoRow(_("Thời hạn giải quyết"), sla),
        InfoRow(_("Cách thức thực hiện"), "", tuple(_(c) for c in CHANNELS)),
        InfoRow(
            _("Thành phần hồ sơ"),
            "" if components else None,
            components,
        ),
        InfoRow(_("Phí, lệ phí"), _text(props.get("fees"))),
        InfoRow(_("Cơ quan thực hiện"), _text(props.get("competent_authority"))),
        InfoRow(_("Kết quả thực hiện"), _text(props.get("result"))),
        InfoRow(_("Căn cứ pháp lý"), _text(props.get("legal_basis"))),
    ]
    steps = [
        StepInfo(
            name=step.name,
            who=role_name(step.role),
            time_limit=sla_text(step.sla.amount, step.sla.unit, step.sla.text, short=True)
            if step.sla
            else None,
        )
        for step in detail.steps
    ]
    return ProcedureInfo(
        key=detail.key,
        name=detail.name,
        summary=_text(props.get("summary")),
        rows=rows,
        steps=steps,
        units=units,
        form_title=form_title,
    )


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _items(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(item for item in _ITEM_SEPARATOR.split(value.strip()) if item)
