"""The applicant's notification channels (docs/integration.md): an account's choice of e-mail
and/or SMS, read by the dispatcher at delivery time. Without a choice (a dossier filed at the
counter, an account that never chose) the applicant is told by e-mail when the dossier holds an
address, and not by SMS (each SMS costs: it is sent only to those who asked)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.context import EngineContext
from engine.errors import FieldError, PermissionDeniedError, ValidationFailedError
from engine.security.authz import Actor, Role
from storage.integration_models import NotificationChoice
from storage.uow import UnitOfWork

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")
#: A Vietnamese mobile number: 0 and 9 digits, or +84 and 9 digits.
PHONE = re.compile(r"^(0|\+84)\d{9}$")


@dataclass(frozen=True, slots=True)
class ChannelChoice:
    email: bool
    sms: bool
    #: None: the address / number given in each dossier.
    email_address: str | None
    phone: str | None
    updated_at: datetime | None


DEFAULT = ChannelChoice(email=True, sms=False, email_address=None, phone=None, updated_at=None)


def get_choice(ctx: EngineContext, actor: Actor) -> ChannelChoice:
    user_id = _user(actor)
    with ctx.uow(write=False) as uow:
        row = uow.notification_choices.get(user_id)
        return DEFAULT if row is None else _view(row)


def put_choice(
    ctx: EngineContext,
    actor: Actor,
    *,
    email: bool,
    sms: bool,
    email_address: str | None = None,
    phone: str | None = None,
) -> ChannelChoice:
    """Record the caller's channels; 422 naming the field for a malformed address or number."""
    user_id = _user(actor)
    email_address = (email_address or "").strip() or None
    phone = re.sub(r"[\s.-]", "", phone or "") or None
    problems = []
    if email_address is not None and not EMAIL.match(email_address):
        problems.append(FieldError("email_address", "Địa chỉ thư điện tử không hợp lệ"))
    if phone is not None and not PHONE.match(phone):
        problems.append(
            FieldError("phone", "Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0 hoặc +84")
        )
    if problems:
        raise ValidationFailedError("invalid notification channels", problems)
    row = NotificationChoice(
        user_id=user_id,
        email=email,
        sms=sms,
        email_address=email_address,
        phone=phone,
        updated_at=ctx.clock.now(),
    )
    with ctx.uow() as uow:
        uow.notification_choices.put(row)
        uow.commit()
    return _view(row)


def contacts(
    uow: UnitOfWork, dossier_codes: Sequence[str]
) -> dict[str, tuple[str | None, str | None]]:
    """Where to tell each dossier's applicant: (e-mail, phone for SMS), None where not chosen."""
    given = uow.outbox.contacts(dossier_codes)
    choices = uow.notification_choices.of_dossiers(dossier_codes)
    found: dict[str, tuple[str | None, str | None]] = {}
    for code, (email, phone) in given.items():
        choice = choices.get(code)
        if choice is None:
            found[code] = (email, None)
        else:
            found[code] = (
                (choice.email_address or email) if choice.email else None,
                (choice.phone or phone) if choice.sms else None,
            )
    return found


def _user(actor: Actor) -> int:
    if actor.user_id is None or not actor.has(Role.CITIZEN):
        raise PermissionDeniedError("only an applicant's account has notification channels")
    return actor.user_id


def _view(row: NotificationChoice) -> ChannelChoice:
    return ChannelChoice(row.email, row.sms, row.email_address, row.phone, row.updated_at)
