"""Citizens open their own accounts (issue 15): register with an e-mail address or a phone
number and a password, confirm with the link sent there, reset a forgotten password by link.

- The account is a citizen account (`users.create_user` makes the same row for an administrator)
  and stays inactive, so it cannot log in, until its confirmation link is opened.
- Every answer is the same whether or not the address already has an account: an existing one
  is sent a message saying so (with the way to reset its password), never a second account.
- Links carry a random token; only its SHA-256 is stored (`account_token`), each link works once
  and expires (`CONFIRM_TTL`, `RESET_TTL`); a reset voids the account's other reset links and
  its sessions (the credentials epoch), and clears its login lockout.
- Creation, confirmation and a reset are events on the system chain, as administrators' changes
  to accounts are.
- Messages go by the notifications' transports (engine/account_mail.py: SMTP or the SMS
  gateway, else the mail directory) after the transaction commits. A message that could not be
  sent is marked so on its token: the resend limit does not count it, so asking again works.

How links look is the caller's (`LinkMaker`): the engine knows no addresses.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine import account_mail, events
from engine.context import EngineContext
from engine.errors import FieldError, InvalidStateError, ValidationFailedError
from engine.event_types import EventType
from engine.security.authz import Actor, Role
from engine.services.account_rules import USERNAME_PATTERN, password_errors
from engine.services.dossiers import EMAIL_PATTERN
from engine.system_event_types import UserActivated, UserCreated, UserUpdated
from engine.transactions import conflicts_as_errors
from storage.account_models import AccountToken, User
from storage.errors import DuplicateRecordError
from storage.uow import UnitOfWork

log = logging.getLogger("motcua.accounts")
CONFIRM, RESET = "confirm", "reset"
#: A registration for an address that has an account: a notice, its token never usable.
EXISTS = "exists"
CONFIRM_TTL = timedelta(hours=24)
RESET_TTL = timedelta(hours=1)
#: One message per address per this long, whatever is asked (no mail bombing through the form).
RESEND_AFTER = timedelta(minutes=2)
NAME_MAX = 100
_PHONE = re.compile(r"^0[0-9]{9,10}$")
_PHONE_NOISE = re.compile(r"[\s.\-()]")

#: (purpose, token) -> the absolute link the message carries.
LinkMaker = Callable[[str, str], str]


@dataclass(frozen=True, slots=True)
class Registration:
    identifier: str
    password: str
    full_name: str


def account_name(identifier: str) -> str | None:
    """The account name an e-mail address or a Vietnamese phone number gives, or None:
    e-mails in lower case, phone numbers as 0xxxxxxxxx (+84 and separators removed)."""
    text = identifier.strip()
    if "@" in text:
        email = text.lower()
        ok = EMAIL_PATTERN.match(email) and USERNAME_PATTERN.match(email)
        return email if ok else None
    phone = _PHONE_NOISE.sub("", text)
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    return phone if _PHONE.match(phone) else None


def register(ctx: EngineContext, registration: Registration, link: LinkMaker) -> None:
    """Open an inactive citizen account and send its confirmation link; for an address that
    has an account already, send that account a notice instead. The same outcome either way.

    Raises:
        ValidationFailedError: `identifier`, `password` or `full_name` unusable.
        MailNotConfiguredError: no transport for the address's channel (nothing is created).
        SendFailedError: the account was recorded but its message could not be sent; asking
            again sends it (a failed message does not count for the resend limit).
    """
    username = account_name(registration.identifier)
    name = registration.full_name.strip()
    errors = []
    if username is None:
        errors.append(FieldError("identifier", "an e-mail address or a Vietnamese phone number"))
    errors += password_errors(registration.password, username or "")
    if len(name) < 2 or len(name) > NAME_MAX:
        errors.append(FieldError("full_name", f"2 to {NAME_MAX} characters"))
    if errors:
        raise ValidationFailedError("the account cannot be opened", errors)
    assert username is not None
    if not account_mail.can_send(ctx.settings, username):
        raise account_mail.MailNotConfiguredError("no transport for this address's channel")
    # Hashed whether or not the account exists: the answer's time tells nothing either.
    password_hash = ctx.passwords.hash(registration.password)
    now = ctx.clock.now()
    try:
        with conflicts_as_errors(), ctx.uow() as uow:
            message = _register(uow, username, name, password_hash, now)
            uow.commit()
    except DuplicateRecordError:  # the same address registered at the same moment
        return
    if message is not None:
        _send(ctx, username, message, link, now)


@dataclass(frozen=True, slots=True)
class _Message:
    kind: str  # CONFIRM | EXISTS | RESET
    #: The link's token (EXISTS: the notice's, never usable; it marks a failed send).
    token: str


def _register(
    uow: UnitOfWork, username: str, name: str, password_hash: str, now: datetime
) -> _Message | None:
    existing = uow.users.by_username(username)
    if existing is not None:
        if _recently_sent(uow, existing.id, now):
            return None
        if not existing.active and _never_confirmed(uow, existing):
            return _Message(CONFIRM, _new_token(uow, existing.id, CONFIRM, now))
        # Remember that a notice went out (an unusable token), for the resend limit.
        return _Message(EXISTS, _new_token(uow, existing.id, EXISTS, now, ttl=timedelta(0)))
    user = User(
        username=username,
        password_hash=password_hash,
        full_name=name,
        roles=[Role.CITIZEN.value],
        unit_code=None,
        active=False,
        is_demo=False,
        created_at=now,
        credentials_epoch=0,
        password_set_by=username,
    )
    uow.users.add(user)
    events.record_system(
        uow,
        EventType.USER_CREATED,
        actor=_self(user),
        now=now,
        payload=UserCreated(username=username, roles=user.roles, unit=None, demo=False),
    )
    return _Message(CONFIRM, _new_token(uow, user.id, CONFIRM, now))


def confirm(ctx: EngineContext, token: str) -> str:
    """Activate the account the link was sent for; its account name.

    Raises:
        InvalidStateError: an unknown, used or expired link.
    """
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        found = _use(uow, token, CONFIRM, now)
        user = uow.users.get(found.user_id)
        assert user is not None
        user.active = True
        events.record_system(
            uow,
            EventType.USER_ACTIVATED,
            actor=_self(user),
            now=now,
            payload=UserActivated(username=user.username),
        )
        username = user.username
        uow.commit()
    return username


def link_is_usable(ctx: EngineContext, purpose: str, token: str) -> bool:
    """Whether a confirmation (`CONFIRM`) or reset (`RESET`) link would still work now."""
    with ctx.uow(write=False) as uow:
        return uow.account_tokens.usable(_hash(token), purpose, ctx.clock.now()) is not None


def request_reset(ctx: EngineContext, identifier: str, link: LinkMaker) -> None:
    """Send a password reset link to the citizen account of this address, if there is one
    (and it was not sent a message in the last `RESEND_AFTER`). Nothing tells which happened.

    Raises:
        MailNotConfiguredError: no transport for the address's channel.
        SendFailedError: the link could not be sent; asking again sends a new one.
    """
    username = account_name(identifier)
    if username is None:
        return
    if not account_mail.can_send(ctx.settings, username):
        raise account_mail.MailNotConfiguredError("no transport for this address's channel")
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        user = uow.users.by_username(username)
        if (
            user is None
            or not user.active
            or list(user.roles) != [Role.CITIZEN.value]  # officers: their administrator resets
            or _recently_sent(uow, user.id, now, (RESET,))
        ):
            return
        token = _new_token(uow, user.id, RESET, now)
        uow.commit()
    _send(ctx, username, _Message(RESET, token), link, now)


def reset_password(ctx: EngineContext, token: str, password: str) -> str:
    """Set a new password with a reset link; its account name.

    Raises:
        ValidationFailedError: the password breaks the rules (the link stays usable).
        InvalidStateError: an unknown, used or expired link.
    """
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        found = uow.account_tokens.usable(_hash(token), RESET, now)
        user = uow.users.get(found.user_id) if found is not None else None
        username = user.username if user is not None else ""
    if found is None:
        raise InvalidStateError("this link is unknown, used or expired")
    errors = password_errors(password, username)
    if errors:
        raise ValidationFailedError("the password cannot be used", errors)
    password_hash = ctx.passwords.hash(password)
    with conflicts_as_errors(), ctx.uow() as uow:
        used = _use(uow, token, RESET, now)
        user = uow.users.get(used.user_id)
        assert user is not None
        user.password_hash = password_hash
        user.password_set_by = user.username
        user.credentials_epoch += 1  # every session and token of the old password ends
        uow.account_tokens.void_all(user.id, RESET, now)
        uow.logins.clear(user.username)
        events.record_system(
            uow,
            EventType.USER_UPDATED,
            actor=_self(user),
            now=now,
            payload=UserUpdated(
                username=user.username,
                changed=["password"],
                roles=list(user.roles),
                unit=None,
                released_tasks=[],
            ),
        )
        uow.commit()
    return username


def _use(uow: UnitOfWork, token: str, purpose: str, now: datetime) -> AccountToken:
    found = uow.account_tokens.usable(_hash(token), purpose, now) if token else None
    if found is None or not uow.account_tokens.use(found, now):
        raise InvalidStateError("this link is unknown, used or expired")
    return found


def _new_token(
    uow: UnitOfWork, user_id: int, purpose: str, now: datetime, ttl: timedelta | None = None
) -> str:
    token = secrets.token_urlsafe(32)
    lifetime = ttl if ttl is not None else (CONFIRM_TTL if purpose == CONFIRM else RESET_TTL)
    uow.account_tokens.add(
        AccountToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def _recently_sent(
    uow: UnitOfWork, user_id: int, now: datetime, purposes: tuple[str, ...] = (CONFIRM, EXISTS)
) -> bool:
    """Whether a message of these purposes went to the account in the last `RESEND_AFTER`
    (one that failed to send does not count: the citizen was told to try again)."""
    latest = max(
        (t for p in purposes if (t := uow.account_tokens.latest(user_id, p, sent_only=True))),
        default=None,
    )
    return latest is not None and now - latest < RESEND_AFTER


def _never_confirmed(uow: UnitOfWork, user: User) -> bool:
    """Inactive because never confirmed (not deactivated by an administrator)."""
    return (
        user.password_set_by == user.username
        and uow.account_tokens.latest(user.id, CONFIRM) is not None
        and list(user.roles) == [Role.CITIZEN.value]
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _self(user: User) -> Actor:
    return Actor(
        user_id=user.id, username=user.username, roles=frozenset(user.roles), unit_code=None
    )


_SUBJECTS = {
    CONFIRM: "Xác nhận đăng ký tài khoản Cổng Dịch vụ công BHXH",
    RESET: "Đặt lại mật khẩu tài khoản Cổng Dịch vụ công BHXH",
    EXISTS: "Tài khoản Cổng Dịch vụ công BHXH của bạn",
}


def _send(
    ctx: EngineContext, username: str, message: _Message, link: LinkMaker, now: datetime
) -> None:
    if message.kind == CONFIRM:
        url = link(CONFIRM, message.token)
        sms = f"BHXH: kích hoạt tài khoản Cổng DVC (dùng 1 lần, trong 24 giờ): {url}"
        body = (
            "Xin chào,\n\nĐể kích hoạt tài khoản trên Cổng Dịch vụ công BHXH, hãy mở liên kết sau "
            f"(dùng được một lần, trong 24 giờ):\n\n{url}\n\n"
            "Nếu bạn không đăng ký, hãy bỏ qua thư này; tài khoản sẽ không được kích hoạt.\n"
        )
    elif message.kind == RESET:
        url = link(RESET, message.token)
        sms = f"BHXH: đặt lại mật khẩu Cổng DVC (dùng 1 lần, trong 1 giờ): {url}"
        body = (
            "Xin chào,\n\nĐể đặt lại mật khẩu, hãy mở liên kết sau "
            f"(dùng được một lần, trong 1 giờ):\n\n{url}\n\n"
            "Nếu bạn không yêu cầu, hãy bỏ qua thư này; mật khẩu không thay đổi.\n"
        )
    else:
        url = link("forgot", "")
        sms = f"BHXH: số này đã có tài khoản Cổng DVC. Quên mật khẩu: {url}"
        body = (
            "Xin chào,\n\nCó người vừa đăng ký tài khoản bằng địa chỉ này, nhưng địa chỉ đã có "
            "tài khoản. Nếu bạn quên mật khẩu, hãy đặt lại tại:\n\n"
            f"{url}\n\nNếu không phải bạn, hãy bỏ qua thư này.\n"
        )
    key = f"account_{message.kind}_{secrets.token_hex(8)}"
    try:
        account_mail.send(
            ctx.settings,
            to=username,
            subject=_SUBJECTS[message.kind],
            body=body,
            sms=sms,
            key=key,
            when=now,
        )
    except account_mail.SendFailedError as exc:
        # Neither the token nor the address in the log (a transport's answer may quote them).
        reason = str(exc).replace(message.token, "[token]").replace(username, "[address]")
        channel = "sms" if account_mail.is_phone(username) else "e-mail"
        log.warning(
            "account %s message by %s not sent (%s): %s", message.kind, channel, key, reason
        )
        with ctx.uow() as uow:
            uow.account_tokens.mark_send_failed(_hash(message.token), ctx.clock.now())
            uow.commit()
        raise
