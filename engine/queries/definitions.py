"""Reads about deployed definitions: versions, sources, what changed, pictures; and the
deploy checks run without storing anything."""

from __future__ import annotations

from collections.abc import Mapping

from engine.context import EngineContext
from engine.definitions.bundles import validate_bundle
from engine.definitions.results import (
    DefinitionSummary,
    StepChange,
    ValidationReport,
    VersionDetail,
    VersionDiff,
    VersionSummary,
)
from engine.errors import NotFoundError
from engine.security.authz import (
    Actor,
    ensure_can_deploy,
    ensure_can_read_definitions,
    ensure_can_view_progress,
)
from engine.spiff import diagram, runtime, versions
from storage.models import Definition
from storage.uow import UnitOfWork


def validate_upload(actor: Actor, files: Mapping[str, bytes]) -> ValidationReport:
    """Every deploy check on a bundle; nothing is stored.

    Raises:
        InvalidDefinitionError: listing each problem with file, line and element id.
    """
    ensure_can_deploy(actor)
    bundle = validate_bundle(files)
    return ValidationReport(bundle.parsed.key, bundle.content_hash, bundle.warnings)


def list_definitions(ctx: EngineContext, actor: Actor) -> list[DefinitionSummary]:
    ensure_can_read_definitions(actor)
    with ctx.uow(write=False) as uow:
        return [
            DefinitionSummary(d.key, d.name, d.version, d.deployed_at, d.deployed_by)
            for d in uow.definitions.all_latest()
        ]


def list_versions(ctx: EngineContext, actor: Actor, key: str) -> list[VersionSummary]:
    """Raises NotFoundError for a key never deployed."""
    ensure_can_read_definitions(actor)
    with ctx.uow(write=False) as uow:
        found = [version_summary(d) for d in uow.definitions.versions(key)]
    if not found:
        raise NotFoundError(f"no procedure {key}")
    return found


def get_version(ctx: EngineContext, actor: Actor, key: str, version: int) -> VersionDetail:
    ensure_can_read_definitions(actor)
    with ctx.uow(write=False) as uow:
        definition = _version(uow, key, version)
        return VersionDetail(
            summary=version_summary(definition),
            files=dict(definition.sources),
            forms=dict(definition.forms),
            model=dict(definition.model),
        )


def diff_versions(
    ctx: EngineContext, actor: Actor, key: str, from_version: int, to_version: int
) -> VersionDiff:
    """Flow nodes added, removed and changed between two versions, and their forms."""
    ensure_can_read_definitions(actor)
    with ctx.uow(write=False) as uow:
        old = _version(uow, key, from_version)
        new = _version(uow, key, to_version)
        return version_diff(ctx, old, new)


def version_diff(ctx: EngineContext, old: Definition, new: Definition) -> VersionDiff:
    changes = versions.spec_changes(ctx.definitions.get(old), ctx.definitions.get(new))
    old_forms, new_forms = old.forms, new.forms
    return VersionDiff(
        key=new.key,
        from_version=old.version,
        to_version=new.version,
        added=[_step(c) for c in changes.added],
        removed=[_step(c) for c in changes.removed],
        changed=[_step(c) for c in changes.changed],
        forms_added=sorted(set(new_forms) - set(old_forms)),
        forms_removed=sorted(set(old_forms) - set(new_forms)),
        forms_changed=sorted(
            k for k in set(old_forms) & set(new_forms) if old_forms[k] != new_forms[k]
        ),
    )


def definition_svg(ctx: EngineContext, actor: Actor, key: str, version: int) -> str:
    """The version's diagram as SVG, drawn from its BPMN DI."""
    ensure_can_read_definitions(actor)
    with ctx.uow(write=False) as uow:
        definition = _version(uow, key, version)
        parsed = ctx.definitions.get(definition)
        title = f"{definition.name} (v{definition.version})"
        return diagram.render_svg(definition.sources[parsed.main_file], title)


def dossier_svg(ctx: EngineContext, actor: Actor, code: str) -> str:
    """The dossier's diagram with its completed and current steps highlighted."""
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        ensure_can_view_progress(actor, dossier.unit_code)
        definition = uow.definitions.get(dossier.definition_id)
        assert definition is not None
        parsed = ctx.definitions.get(definition)
        states = diagram.step_states(runtime.load(parsed, dossier.state))
        title = f"{dossier.code} — {definition.name} (v{definition.version})"
        return diagram.render_svg(definition.sources[parsed.main_file], title, states)


def version_summary(definition: Definition) -> VersionSummary:
    return VersionSummary(
        key=definition.key,
        version=definition.version,
        name=definition.name,
        hash=definition.content_hash,
        deployed_at=definition.deployed_at,
        deployed_by=definition.deployed_by,
    )


def _version(uow: UnitOfWork, key: str, version: int) -> Definition:
    definition = uow.definitions.version(key, version)
    if definition is None:
        raise NotFoundError(f"no version {version} of procedure {key}")
    return definition


def _step(change: versions.TaskChange) -> StepChange:
    return StepChange(change.bpmn_id, change.name, change.kind, list(change.attributes))
