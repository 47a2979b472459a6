"""`motcua demo`: the demo units and accounts (development only), also the units
`motcua documents dev-ca` makes certificates for."""

from __future__ import annotations

import contextlib

import click

from api.cli.session import cli_actor, engine_context
from engine.errors import DuplicateError
from engine.issuing.signers import DevelopmentSigners
from engine.services import units, users
from engine.services.account_rules import roles_from_text
from engine.services.users import NewUser

DEMO_UNITS = (
    ("000.00.07.H29", "BHXH quận Ba Đình (demo)"),
    ("000.00.08.H29", "BHXH quận Hoàn Kiếm (demo)"),
)
DEMO_USERS = (
    # username, password, full name, roles, unit
    ("citizen", "citizen-demo-2026", "Nguyễn Văn An", "citizen", None),
    ("citizen2", "citizen2-demo-2026", "Trần Thị Bình", "citizen", None),
    ("reception", "reception-demo-2026", "Lê Thị Cúc (một cửa)", "reception", "000.00.07.H29"),
    (
        "specialist",
        "specialist-demo-2026",
        "Phạm Văn Dũng (chuyên viên)",
        "specialist",
        "000.00.07.H29",
    ),
    ("leader", "leader-demo-2026", "Hoàng Văn Em (lãnh đạo)", "leader", "000.00.07.H29"),
    (
        "reception.hk",
        "reception-hk-demo-2026",
        "Vũ Thị Giang (một cửa HK)",
        "reception",
        "000.00.08.H29",
    ),
    ("auditor", "auditor-demo-2026", "Đỗ Thị Hoa (kiểm tra)", "auditor", None),
    ("analyst", "analyst-demo-2026", "Bùi Văn Khánh (phân tích)", "analyst", None),
    ("admin", "admin-demo-2026", "Quản trị hệ thống", "admin", None),
)


@click.command()
def demo() -> None:
    """Create the demo units and accounts (idempotent) and print their credentials."""
    ctx = engine_context()
    if ctx.settings.is_production:
        raise click.ClickException("demo accounts are refused with MOTCUA_ENV=production")
    for code, name in DEMO_UNITS:
        with contextlib.suppress(DuplicateError):
            units.create_unit(ctx, cli_actor(), code, name)
    click.echo("Demo accounts (development only; refused when MOTCUA_ENV=production):")
    click.echo(f"  {'username':<14} {'password':<24} {'roles':<11} unit")
    for username, password, full_name, roles, unit in DEMO_USERS:
        with contextlib.suppress(DuplicateError):
            users.create_user(
                ctx,
                cli_actor(),
                NewUser(username, password, full_name, roles_from_text(roles), unit, is_demo=True),
            )
        click.echo(f"  {username:<14} {password:<24} {roles:<11} {unit or '-'}")
    if isinstance(ctx.signers, DevelopmentSigners):  # documents of record are signed (issue 14)
        root = ctx.signers.prepare(DEMO_UNITS, ctx.clock.now())
        click.echo(f"Development CA for signing documents (trust root): {root}")
