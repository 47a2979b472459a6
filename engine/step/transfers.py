"""Transfer between units (liên thông, issue 19): a user task with the property
`transfer_to: <field>` is handed to the BHXH unit whose code the dossier's data holds in
`<field>` (e.g. the unit that holds the insured person's records), chosen in an earlier step.

The work item opens in that unit, so its officers see and take the task; the `task_opened`
event names the unit, which is the handover Mẫu 06 prints. The dossier stays its own unit's:
the steps after the transferred one come back to it, and its appointment is unchanged (the
statutory limit covers every unit that takes part, docs/domain.md section 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import FieldError, ValidationFailedError
from engine.procedures.model import NodeModel
from engine.procedures.transfers import TRANSFER_PROPERTY
from engine.records import UnitLookup
from storage.models import Dossier


def receiving_unit(
    units: UnitLookup, dossier: Dossier, node: NodeModel, data: Mapping[str, Any]
) -> str:
    """The code of the unit that takes the task of `node`: the dossier's own unit, or the one
    named in the data field the node's `transfer_to` gives.

    Raises:
        ValidationFailedError: the field does not name an existing unit (the step that filled
            it is refused, naming the field).
    """
    field = node.properties.get(TRANSFER_PROPERTY, "").strip()
    if not field:
        return dossier.unit_code
    code = data.get(field)
    unit = units.get(code.strip()) if isinstance(code, str) else None
    if unit is not None and unit.active:
        return unit.code
    shown = repr(code)[:60]  # the value as typed, shortened: it may be anything
    raise ValidationFailedError(
        f"step '{node.name}' is handed to the unit named in '{field}'",
        [FieldError(f"data.{field}", f"no active unit with the code {shown}")],
    )
