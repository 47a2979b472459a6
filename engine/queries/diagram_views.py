"""Diagrams as the analysts' pages show them (issue 16): a version's BPMN source for bpmn-js in
the browser and its server-drawn SVG for clients without JavaScript; and the diagram of an
uploaded bundle that failed validation, with the elements named by its problems marked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.context import EngineContext
from engine.errors import DefinitionProblem, NotFoundError
from engine.security.authz import Actor, ensure_can_deploy, ensure_can_read_definitions
from engine.spiff import diagram
from engine.spiff.xml import XmlRejectedError


@dataclass(frozen=True, slots=True)
class DiagramSource:
    """One BPMN file: its name, its XML (bpmn-js draws it) and the server's SVG of it."""

    file: str
    xml: str
    svg: str


def version_diagram(ctx: EngineContext, actor: Actor, key: str, version: int) -> DiagramSource:
    """The main diagram of a deployed version. Raises NotFoundError, PermissionDeniedError."""
    ensure_can_read_definitions(actor)
    with ctx.uow(write=False) as uow:
        definition = uow.definitions.version(key, version)
        if definition is None:
            raise NotFoundError(f"no version {version} of procedure {key}")
        parsed = ctx.definitions.get(definition)
        xml = definition.sources[parsed.main_file]
        title = f"{definition.name} (v{definition.version})"
        return DiagramSource(parsed.main_file, xml, diagram.render_svg(xml, title))


def draft_diagram(
    actor: Actor, files: Mapping[str, bytes], problems: Sequence[DefinitionProblem]
) -> DiagramSource | None:
    """The uploaded diagram the problems are about (the first .bpmn file a problem names, else
    the first .bpmn file), with those problems' elements drawn as errors; None when there is no
    diagram or it cannot be drawn (not XML, no layout): the list of problems says why."""
    ensure_can_deploy(actor)
    named = [p.file for p in problems if p.file and p.file.endswith(".bpmn") and p.file in files]
    candidates = named or sorted(name for name in files if name.endswith(".bpmn"))
    if not candidates:
        return None
    name = candidates[0]
    try:
        xml = files[name].decode("utf-8")
    except UnicodeDecodeError:
        return None
    marked = {p.element_id: "error" for p in problems if p.element_id and p.file in (name, None)}
    try:
        svg = diagram.render_svg(xml, name, marked)
    except (XmlRejectedError, ValueError):
        return None
    return DiagramSource(name, xml, svg)
