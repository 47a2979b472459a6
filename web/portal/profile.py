"""The applicant's notification channels in their profile: `/tai-khoan/thong-bao`
(docs/integration.md). The page calls the same service as `PUT /api/v1/me/notifications`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import ValidationFailedError
from engine.security.authz import Role
from engine.services import notifications
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.simple_forms import FormErrors

MAX_EMAIL = 200
MAX_PHONE = 20


def register_profile(blp: Blueprint) -> None:
    """Add the profile's pages to the portal's blueprint."""
    blp.add_url_rule(
        "/tai-khoan/thong-bao", "notifications", notification_channels, methods=["GET", "POST"]
    )


@login_required(Role.CITIZEN)
def notification_channels() -> str | Response | tuple[str, int]:
    """How the signed-in applicant is told of their dossiers: e-mail, SMS, or both."""
    actor = current_actor()
    assert actor is not None
    ctx = engine()
    if request.method == "GET":
        choice = notifications.get_choice(ctx, actor)
        values = {
            "email": choice.email,
            "sms": choice.sms,
            "email_address": choice.email_address or "",
            "phone": choice.phone or "",
        }
        return render_template("portal/notifications.html", values=values, errors=FormErrors())
    values = {
        "email": request.form.get("email") == "true",
        "sms": request.form.get("sms") == "true",
        "email_address": request.form.get("email_address", "").strip()[: MAX_EMAIL + 1],
        "phone": request.form.get("phone", "").strip()[: MAX_PHONE + 1],
    }
    errors = FormErrors()
    if values["sms"] and not values["phone"]:
        errors.add("phone", _("Nhập số điện thoại để nhận tin nhắn SMS"))
    if not errors:
        try:
            notifications.put_choice(
                ctx,
                actor,
                email=bool(values["email"]),
                sms=bool(values["sms"]),
                email_address=str(values["email_address"]) or None,
                phone=str(values["phone"]) or None,
            )
        except ValidationFailedError as exc:
            for error in exc.errors:
                errors.add(error.field, error.message)
    if errors:
        page = render_template("portal/notifications.html", values=values, errors=errors)
        return page, 422
    flash(_("Đã lưu cách nhận thông báo."), "success")
    return redirect(url_for("portal.notifications"))
