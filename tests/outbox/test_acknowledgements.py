"""The 2-hour acknowledgement of an online dossier (R-2.4), with a frozen clock: sent at
submission; the scheduler's check flags a dossier whose acknowledgement was not delivered within
2 hours, once; the health check and the reports' query count the flags. Also: the public health
check is rate-limited, and a notification that cannot be composed is parked, never a 5xx."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.dispatcher import OutboxDispatcher
from engine.notification_settings import SmtpSettings
from engine.peers.mail import MAIL, MailPeer
from engine.queries.acknowledgements import count_late_acknowledgements, late_acknowledgements
from engine.scheduler import TimerScheduler
from engine.services import acknowledgements
from engine.settings import Settings
from storage.statuses import OutboxState
from tests.conftest import START, make_settings
from tests.outbox.support import drain, messages
from tests.support import HttpApi

TWO_HOURS = timedelta(hours=2)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path / "var",
        database_url,
        MOTCUA_MAIL_DIR=str(tmp_path / "mail"),
        MOTCUA_RATELIMIT_HEALTH="5/minute",
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_acknowledgement_delivered_at_once_is_never_flagged(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, settings: Settings
) -> None:
    code = http.submit()["code"]
    drain(ctx, clock)  # the scheduler's dispatcher, within its poll interval
    assert settings.mail_dir is not None
    assert any(settings.mail_dir.glob(f"{code}_*.eml"))
    clock.advance(TWO_HOURS + timedelta(minutes=1))
    assert acknowledgements.check(ctx) == 0
    assert count_late_acknowledgements(ctx, START - TWO_HOURS, clock.now()) == 0


def test_an_acknowledgement_stuck_past_two_hours_is_flagged_once_and_counted(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    # the mail server is down: the acknowledgement stays pending, retried with back-off
    smtp = SmtpSettings("127.0.0.1", closed_port(), starttls=False, timeout_seconds=1)
    ctx.settings = replace(ctx.settings, notify=replace(ctx.settings.notify, smtp=smtp))
    code = http.submit()["code"]
    with OutboxDispatcher(ctx) as dispatcher:
        dispatcher.drain()
    [message] = messages(ctx)
    assert message.state == OutboxState.PENDING and "SMTP unreachable" in (message.last_error or "")

    clock.advance(TWO_HOURS - timedelta(minutes=1))
    scheduler = TimerScheduler(ctx)
    assert scheduler.check_acknowledgements() == 0  # 1 h 59: not late yet
    clock.advance(timedelta(minutes=2))
    assert scheduler.check_acknowledgements() == 1
    assert scheduler.check_acknowledgements() == 0  # flagged once

    [late] = late_acknowledgements(ctx, START, clock.now())
    assert (late.dossier_code, late.submitted_at) == (code, START)
    assert late.reason == "not delivered: pending" and late.delivered_at is None
    assert count_late_acknowledgements(ctx, START, clock.now()) == 1
    assert count_late_acknowledgements(ctx, START, clock.now(), unit_codes=["other"]) == 0
    assert count_late_acknowledgements(ctx, START + timedelta(days=1), clock.now()) == 0
    http.forget_tokens()
    assert http.call("GET", "/api/v1/health", None)["late_acknowledgements"] == 1


def test_without_any_channel_configured_every_online_dossier_is_late(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    ctx.settings = replace(ctx.settings, mail_dir=None)
    http.submit()
    clock.advance(TWO_HOURS + timedelta(seconds=1))
    assert acknowledgements.check(ctx) == 1
    [late] = late_acknowledgements(ctx, START, clock.now())
    assert late.reason.startswith("no notification channel is configured")


def test_the_public_health_check_is_rate_limited_and_names_no_host(http: HttpApi) -> None:
    answers = [http.client.get("/api/v1/health") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].headers["Retry-After"]
    text = answers[0].get_data(as_text=True)
    assert socket.gethostname() not in text and "sqlite" not in text.lower()


def test_a_template_that_cannot_be_used_parks_the_message_with_its_reason(
    tmp_path: Path, http: HttpApi, ctx: EngineContext, clock: FrozenClock, settings: Settings
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "status_1.txt").write_text("Kính gửi $chu_ho_so\n", encoding="utf-8")
    assert settings.mail_dir is not None
    broken = MailPeer(settings.mail_dir, settings.mail_from, templates=templates)
    code = http.submit()["code"]  # the submission itself is not affected
    with OutboxDispatcher(ctx, peers={MAIL: broken}) as dispatcher:
        dispatcher.drain()
    [message] = messages(ctx)
    assert message.state == OutboxState.DEAD and message.dossier_code == code
    assert "does not start with a Subject: line" in (message.last_error or "")
    listed = http.call("GET", "/api/v1/admin/outbox", "admin", query={"state": "dead"})
    assert "Subject" in listed["items"][0]["last_error"]
