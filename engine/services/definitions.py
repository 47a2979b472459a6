"""Deploy procedure diagrams: validate the bundle, store a new immutable version if it changed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine import events
from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory, validate_bundle
from engine.errors import InvalidDefinitionError
from engine.event_types import EventType
from engine.results import DeployResult
from engine.security.authz import Actor, ensure_can_deploy
from engine.system_event_types import DefinitionDeployed
from engine.transactions import conflicts_as_errors
from storage.errors import DuplicateRecordError
from storage.models import Definition


def deploy(ctx: EngineContext, actor: Actor, files: Mapping[str, bytes]) -> DeployResult:
    """Store a new version when the bundle's content is new; identical content is a no-op."""
    ensure_can_deploy(actor)
    bundle = validate_bundle(files)
    model = bundle.parsed.model
    now = ctx.clock.now()
    for _attempt in range(3):
        try:
            with conflicts_as_errors(), ctx.uow() as uow:
                existing = uow.definitions.by_hash(model.key, bundle.content_hash)
                if existing is not None:
                    return DeployResult(
                        model.key,
                        existing.version,
                        existing.content_hash,
                        created=False,
                        warnings=bundle.warnings,
                    )
                latest = uow.definitions.latest(model.key)
                definition = Definition(
                    key=model.key,
                    version=(latest.version + 1) if latest else 1,
                    name=model.name,
                    content_hash=bundle.content_hash,
                    sources=bundle.sources,
                    forms=bundle.forms,
                    model=model.to_dict(),
                    deployed_at=now,
                    deployed_by=actor.username,
                )
                uow.definitions.add(definition)
                events.record_system(
                    uow,
                    EventType.DEFINITION_DEPLOYED,
                    actor=actor,
                    now=now,
                    payload=DefinitionDeployed(
                        key=model.key,
                        version=definition.version,
                        hash=bundle.content_hash,
                        files=sorted(bundle.sources) + sorted(f"{k}.json" for k in bundle.forms),
                    ),
                )
                uow.commit()
                return DeployResult(
                    model.key,
                    definition.version,
                    bundle.content_hash,
                    created=True,
                    warnings=bundle.warnings,
                )
        except DuplicateRecordError:
            continue  # someone deployed the same key at the same moment; look again
    raise InvalidDefinitionError("deployment kept conflicting with concurrent deployments", [])


def deploy_directory(
    ctx: EngineContext, actor: Actor, bpmn_dir: Path, forms_root: Path
) -> list[DeployResult]:
    return [
        deploy(ctx, actor, bundle_from_directory(path, forms_root))
        for path in sorted(bpmn_dir.glob("*.bpmn"))
    ]
