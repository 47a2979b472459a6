"""Who may do what, in one place (docs/domain.md SEC-4).

Every use case and query calls one of the `ensure_*` functions before touching data. They are pure:
the caller passes the facts (the actor, the dossier's unit and owner, the task's role and unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.errors import PermissionDeniedError


class Role(StrEnum):
    CITIZEN = "citizen"
    RECEPTION = "reception"
    SPECIALIST = "specialist"
    LEADER = "leader"
    AUDITOR = "auditor"
    ANALYST = "analyst"
    ADMIN = "admin"


OFFICER_ROLES = frozenset({Role.RECEPTION, Role.SPECIALIST, Role.LEADER})
ALL_ROLES = frozenset(Role)
#: Roles that act on behalf of a unit and therefore must belong to one.
UNIT_ROLES = OFFICER_ROLES
#: Roles that reach applicants' personal data in the dossiers of *every* unit: auditors read
#: every dossier (`ensure_can_read_dossier`), administrators export any dossier's audit bundle
#: with its full events (`ensure_auditor`). Nobody gets one from a single administrator: one asks
#: (a role grant request), a second one approves, and never for their own account.
SECOND_ADMIN_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})
#: Roles that read personal data in dossiers (every unit's, or their own unit's for officers):
#: an administrator never gives one to their own account.
PERSONAL_DATA_ROLES = SECOND_ADMIN_ROLES | OFFICER_ROLES


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller, or the system itself (scheduler, replay)."""

    user_id: int | None
    username: str
    roles: frozenset[str]
    unit_code: str | None

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_officer(self) -> bool:
        return bool(self.roles & OFFICER_ROLES)

    @property
    def primary_role(self) -> str:
        """The role recorded on events when the action does not name one."""
        for role in (
            Role.ADMIN,
            Role.LEADER,
            Role.SPECIALIST,
            Role.RECEPTION,
            Role.AUDITOR,
            Role.ANALYST,
            Role.CITIZEN,
        ):
            if role in self.roles:
                return str(role)
        return next(iter(sorted(self.roles)), "system")


SYSTEM_ACTOR = Actor(user_id=None, username="system", roles=frozenset({"system"}), unit_code=None)
#: Who an event names when nobody is logged in (e.g. a failed login).
ANONYMOUS = Actor(
    user_id=None, username="anonymous", roles=frozenset({"anonymous"}), unit_code=None
)


def ensure_can_submit(actor: Actor, unit_code: str) -> None:
    """Citizens submit online anywhere; reception registers counter/postal dossiers of its unit."""
    if actor.has(Role.CITIZEN):
        return
    if actor.has(Role.RECEPTION) and actor.unit_code == unit_code:
        return
    raise PermissionDeniedError(
        "only citizens, or reception officers of the unit, may submit dossiers"
    )


def ensure_can_read_dossier(actor: Actor, unit_code: str, owner_user_id: int | None) -> None:
    """Auditors read every dossier, officers those of their unit, citizens their own.

    Administrators manage accounts, not cases: they do not read applicants' personal data.
    """
    if actor.has(Role.AUDITOR):
        return
    if actor.is_officer and actor.unit_code == unit_code:
        return
    if actor.has(Role.CITIZEN) and owner_user_id is not None and owner_user_id == actor.user_id:
        return
    raise PermissionDeniedError("you may not see this dossier")


def ensure_can_list_dossiers(actor: Actor) -> None:
    if not (actor.has(Role.CITIZEN, Role.AUDITOR) or (actor.is_officer and actor.unit_code)):
        raise PermissionDeniedError("only applicants, officers and auditors list dossiers")


def ensure_can_upload(actor: Actor, unit_code: str, owner_user_id: int | None) -> None:
    """The applicant, or reception of the dossier's unit (documents handed in at the counter)."""
    if actor.has(Role.CITIZEN) and owner_user_id is not None and owner_user_id == actor.user_id:
        return
    if actor.has(Role.RECEPTION) and actor.unit_code == unit_code:
        return
    raise PermissionDeniedError(
        "only the applicant, or reception of the dossier's unit, may add files to it"
    )


def ensure_owner(actor: Actor, owner_user_id: int | None) -> None:
    if not (
        actor.has(Role.CITIZEN) and owner_user_id is not None and owner_user_id == actor.user_id
    ):
        raise PermissionDeniedError("only the applicant who submitted this dossier may do this")


def ensure_can_act_for_applicant(actor: Actor, unit_code: str, owner_user_id: int | None) -> bool:
    """An applicant's act on their dossier (a supplement, ...): the applicant's own account; for a
    dossier without one (registered at the counter or by post), reception of the dossier's unit,
    acting on the applicant's behalf (docs/domain.md R-2.8). Returns True when reception acts for
    them.

    A dossier with an account stays the applicant's own: reception may not act for them.
    """
    if owner_user_id is not None:
        ensure_owner(actor, owner_user_id)
        return False
    if actor.has(Role.RECEPTION) and actor.unit_code == unit_code:
        return True
    raise PermissionDeniedError(
        "this dossier has no applicant account: reception of its unit acts for the applicant"
    )


def ensure_officer(actor: Actor) -> None:
    if not actor.is_officer or actor.unit_code is None:
        raise PermissionDeniedError(
            "only reception, specialist and leader officers of a unit have tasks"
        )


def ensure_can_act_on_task(actor: Actor, task_role: str, task_unit: str) -> None:
    """Officers act only on tasks of their own role, in their own unit."""
    ensure_officer(actor)
    if actor.unit_code != task_unit:
        raise PermissionDeniedError("this task belongs to another unit")
    if task_role not in actor.roles:
        raise PermissionDeniedError(f"this task needs the role '{task_role}'")


def may_supervise_task(actor: Actor, task_unit: str) -> bool:
    """Leaders of the task's unit and administrators release or reassign anyone's claim."""
    if actor.has(Role.ADMIN):
        return True
    return actor.has(Role.LEADER) and actor.unit_code is not None and actor.unit_code == task_unit


def ensure_can_supervise_task(actor: Actor, task_unit: str) -> None:
    if not may_supervise_task(actor, task_unit):
        raise PermissionDeniedError(
            "only leaders of the task's unit and administrators release or reassign claims"
        )


def ensure_can_correct_documents(actor: Actor, unit_code: str) -> None:
    """Leaders of the dossier's unit correct its documents of record: a correction replaces a
    document the unit signed, which is the leader's to sign (docs/documents.md, Corrections)."""
    if actor.has(Role.LEADER) and actor.unit_code is not None and actor.unit_code == unit_code:
        return
    raise PermissionDeniedError("only leaders of the dossier's unit correct its documents")


def ensure_can_read_task(actor: Actor, task_role: str, task_unit: str) -> None:
    """Officers read tasks of their role in their unit; leaders read every task of their unit;
    auditors read every task."""
    if actor.has(Role.AUDITOR):
        return
    ensure_officer(actor)
    if actor.unit_code != task_unit:
        raise PermissionDeniedError("this task belongs to another unit")
    if task_role not in actor.roles and not actor.has(Role.LEADER):
        raise PermissionDeniedError(f"this task needs the role '{task_role}'")


def ensure_can_stop_handling(actor: Actor, unit_code: str) -> None:
    """Stopping a dossier's handling (status 8, Mẫu 05) is a leader's decision, in the dossier's
    unit (R-2.9)."""
    if not (actor.has(Role.LEADER) and actor.unit_code == unit_code):
        raise PermissionDeniedError("only a leader of the dossier's unit stops its handling")


def ensure_can_read_step_of_another_unit(
    actor: Actor, dossier_unit: str, *, step_open: bool
) -> None:
    """An officer of a unit a step was transferred to (liên thông) reads the dossier through
    that step while it is open, to do it; once done, the dossier is its own unit's again."""
    if actor.has(Role.AUDITOR) or actor.unit_code == dossier_unit or step_open:
        return
    raise PermissionDeniedError(
        "this step was transferred to your unit and is done: the dossier belongs to another unit"
    )


def ensure_can_deploy(actor: Actor) -> None:
    if not actor.has(Role.ANALYST, Role.ADMIN):
        raise PermissionDeniedError("only process analysts and administrators deploy diagrams")


def ensure_admin(actor: Actor) -> None:
    if not actor.has(Role.ADMIN):
        raise PermissionDeniedError("only administrators may do this")


def ensure_auditor(actor: Actor) -> None:
    if not actor.has(Role.AUDITOR, Role.ADMIN):
        raise PermissionDeniedError("only auditors and administrators may do this")


def ensure_can_read_definitions(actor: Actor) -> None:
    """Diagram sources and versions: the analysts who write them, admins and auditors."""
    if not actor.has(Role.ANALYST, Role.ADMIN, Role.AUDITOR):
        raise PermissionDeniedError("only analysts, administrators and auditors read definitions")


def ensure_can_view_progress(actor: Actor, unit_code: str) -> None:
    """A dossier's place in its diagram: officers of its unit, auditors and administrators."""
    if actor.has(Role.ADMIN, Role.AUDITOR):
        return
    if actor.is_officer and actor.unit_code == unit_code:
        return
    raise PermissionDeniedError("only officers of the dossier's unit and auditors see its diagram")
