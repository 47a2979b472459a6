"""Administrators manage user accounts and units (`/api/v1/admin/...`)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema, page_schema
from api.context import actor, engine
from api.schemas import PageQuery
from engine.results import Page, RoleGrantView, UnitDetail, UserDetail
from engine.security.authz import ALL_ROLES, SECOND_ADMIN_ROLES
from engine.services import grants, units, users
from engine.services.users import NewUser, UserChanges

blp = Blueprint(
    "admin",
    __name__,
    url_prefix="/api/v1/admin",
    description="Administration of user accounts and units (admin role)",
)

ROLE_FIELD = ma.fields.String(validate=ma.validate.OneOf(sorted(ALL_ROLES)))


class UserQuery(PageQuery):
    unit = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=40))
    role = ma.fields.String(load_default=None, validate=ma.validate.OneOf(sorted(ALL_ROLES)))
    active = ma.fields.Boolean(load_default=None)
    username = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=80),
        metadata={"description": "usernames starting with this"},
    )


class UserSchema(Schema):
    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True, metadata={"description": "masked for citizens"})
    roles = ma.fields.List(ma.fields.String(), required=True)
    unit_code = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean(required=True)
    is_demo = ma.fields.Boolean(required=True)
    created_at = LocalDateTime(required=True)
    deactivated_at = LocalDateTime(allow_none=True)
    locked_until = LocalDateTime(
        allow_none=True, metadata={"description": "login refused until then"}
    )


UserListSchema = page_schema(UserSchema, "UserListSchema")


class NewUserBody(Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=80))
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=10, max=200)
    )
    full_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    roles = ma.fields.List(ROLE_FIELD, required=True, validate=ma.validate.Length(min=1, max=7))
    unit_code = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=40)
    )


class UserPatchBody(Schema):
    full_name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    roles = ma.fields.List(ROLE_FIELD, validate=ma.validate.Length(min=1, max=7))
    unit_code = ma.fields.String(allow_none=True, validate=ma.validate.Length(min=1, max=40))
    password = ma.fields.String(load_only=True, validate=ma.validate.Length(min=10, max=200))


class UnitSchema(Schema):
    code = ma.fields.String(required=True, metadata={"example": "000.00.07.H29"})
    name = ma.fields.String(required=True)
    active = ma.fields.Boolean(required=True)
    created_at = LocalDateTime(required=True)


UnitListSchema = page_schema(UnitSchema, "UnitListSchema")


class NewUnitBody(Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class UnitPatchBody(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


_FORBIDDEN = "Not an administrator"


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQuery, location="query")
    @blp.response(200, UserListSchema)
    @blp.authenticated(_FORBIDDEN)
    def get(self, query: dict[str, Any]) -> Page[UserDetail]:
        """User accounts, by username (filter by unit, role, active, username prefix)"""
        return users.list_users(
            engine(),
            actor(),
            unit_code=query["unit"],
            role=query["role"],
            active=query["active"],
            username_prefix=query["username"],
            page=query["page"],
            page_size=query["page_size"],
        )

    @blp.arguments(NewUserBody)
    @blp.response(201, UserSchema)
    @blp.authenticated(_FORBIDDEN, (409, "The username is taken"), (422, "Per-field errors"))
    def post(self, body: dict[str, Any]) -> UserDetail:
        """Create a user account; officers (reception, specialist, leader) need a unit"""
        new = NewUser(
            username=body["username"],
            password=body["password"],
            full_name=body["full_name"],
            roles=tuple(body["roles"]),
            unit_code=body["unit_code"],
        )
        return users.create_user(engine(), actor(), new)


@blp.route("/users/<string:username>")
class UserAccount(MethodView):
    @blp.response(200, UserSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such user"))
    def get(self, username: str) -> UserDetail:
        """One account, with its login lock"""
        return users.get_user(engine(), actor(), username)

    @blp.arguments(UserPatchBody)
    @blp.response(200, UserSchema)
    @blp.authenticated(
        _FORBIDDEN,
        (404, "No such user"),
        (409, "Removing your own admin role"),
        (422, "Per-field errors"),
    )
    def patch(self, body: dict[str, Any], username: str) -> UserDetail:
        """Change name, roles, unit or password

        A role, unit or password change revokes every token issued before (the user logs in
        again) and releases the claimed tasks the user can no longer work. Adding `auditor` or
        `admin` needs a role grant (`/admin/role-grants`); an administrator never gives their
        own account a role that reads dossiers (409). Setting another account's password takes
        its `auditor` and `admin` roles off until a second administrator approves them back
        (pending grants filed in your name)."""
        changes = UserChanges(
            full_name=body.get("full_name"),
            roles=tuple(body["roles"]) if "roles" in body else None,
            unit_code=body.get("unit_code"),
            set_unit="unit_code" in body,
            password=body.get("password"),
        )
        return users.update_user(engine(), actor(), username, changes)


@blp.route("/users/<string:username>/deactivate")
class DeactivateUser(MethodView):
    @blp.response(200, UserSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such user"), (409, "Deactivating your own account"))
    def post(self, username: str) -> UserDetail:
        """Deactivate an account: its tokens stop working for good (re-activation does not
        revive them), its claimed tasks go back to their units; its history stays"""
        return users.deactivate_user(engine(), actor(), username)


@blp.route("/users/<string:username>/activate")
class ActivateUser(MethodView):
    @blp.response(200, UserSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such user"), (409, "A demo account in production"))
    def post(self, username: str) -> UserDetail:
        """Let a deactivated account log in again; an auditor or administrator comes back
        without those roles until a second administrator approves them (pending grants)"""
        return users.activate_user(engine(), actor(), username)


@blp.route("/users/<string:username>/unlock")
class UnlockUser(MethodView):
    @blp.response(200, UserSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such user"))
    def post(self, username: str) -> UserDetail:
        """Lift a login lock and forget the account's failed logins"""
        return users.unlock_user(engine(), actor(), username)


@blp.route("/units")
class Units(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, UnitListSchema)
    @blp.authenticated(_FORBIDDEN)
    def get(self, query: dict[str, int]) -> Page[UnitDetail]:
        """Units (BHXH offices), by code"""
        return units.list_units(engine(), actor(), query["page"], query["page_size"])

    @blp.arguments(NewUnitBody)
    @blp.response(201, UnitSchema)
    @blp.authenticated(_FORBIDDEN, (409, "The unit exists"), (422, "Per-field errors"))
    def post(self, body: dict[str, str]) -> UnitDetail:
        """Add a unit with its identifier code (e.g. 000.00.07.H29)"""
        return units.create_unit(engine(), actor(), body["code"], body["name"])


@blp.route("/units/<string:code>")
class UnitResource(MethodView):
    @blp.response(200, UnitSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such unit"))
    def get(self, code: str) -> UnitDetail:
        """One unit"""
        return units.get_unit(engine(), actor(), code)

    @blp.arguments(UnitPatchBody)
    @blp.response(200, UnitSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such unit"), (422, "Per-field errors"))
    def patch(self, body: dict[str, str], code: str) -> UnitDetail:
        """Rename a unit (its code never changes: it is part of every dossier code)"""
        return units.rename_unit(engine(), actor(), code, body["name"])


GRANT_ID = "<int(max=2147483647):grant_id>"


class RoleGrantQuery(PageQuery):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(grants.STATUSES))


class RoleGrantSchema(Schema):
    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True, metadata={"description": "who gets the role"})
    role = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, metadata={"description": "pending | approved | rejected"}
    )
    requested_by = ma.fields.String(required=True)
    requested_at = LocalDateTime(required=True)
    decided_by = ma.fields.String(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)


RoleGrantListSchema = page_schema(RoleGrantSchema, "RoleGrantListSchema")


class NewRoleGrantBody(Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(SECOND_ADMIN_ROLES)))
    reason = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=grants.MAX_REASON_LENGTH)
    )


@blp.route("/role-grants")
class RoleGrants(MethodView):
    @blp.arguments(RoleGrantQuery, location="query")
    @blp.response(200, RoleGrantListSchema)
    @blp.authenticated(_FORBIDDEN)
    def get(self, query: dict[str, Any]) -> Page[RoleGrantView]:
        """Role grant requests, newest first (filter by status)"""
        return grants.list_grants(
            engine(), actor(), query["status"], query["page"], query["page_size"]
        )

    @blp.arguments(NewRoleGrantBody)
    @blp.response(201, RoleGrantSchema)
    @blp.authenticated(
        _FORBIDDEN,
        (404, "No such user"),
        (409, "Your own account, a deactivated one, the role already held or already asked"),
        (422, "Per-field errors"),
    )
    def post(self, body: dict[str, str]) -> RoleGrantView:
        """Ask for a role reading personal data across units (auditor, admin) for an account;
        a second administrator approves"""
        return grants.request_grant(
            engine(), actor(), body["username"], body["role"], body["reason"]
        )


@blp.route(f"/role-grants/{GRANT_ID}")
class RoleGrantResource(MethodView):
    @blp.response(200, RoleGrantSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such request"))
    def get(self, grant_id: int) -> RoleGrantView:
        """One role grant request"""
        return grants.get_grant(engine(), actor(), grant_id)


@blp.route(f"/role-grants/{GRANT_ID}/approve")
class ApproveRoleGrant(MethodView):
    @blp.response(200, RoleGrantSchema)
    @blp.authenticated(
        _FORBIDDEN,
        (404, "No such request"),
        (409, "Not pending, asked by you, or for your own account"),
    )
    def post(self, grant_id: int) -> RoleGrantView:
        """Approve a pending request (a second administrator: neither the one who asked nor
        the grantee); the account has the role at its next login"""
        return grants.approve_grant(engine(), actor(), grant_id)


@blp.route(f"/role-grants/{GRANT_ID}/reject")
class RejectRoleGrant(MethodView):
    @blp.response(200, RoleGrantSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such request"), (409, "Not pending"))
    def post(self, grant_id: int) -> RoleGrantView:
        """Refuse (or, for the one who asked, withdraw) a pending request"""
        return grants.reject_grant(engine(), actor(), grant_id)
