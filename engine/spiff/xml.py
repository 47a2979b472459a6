"""Hardened XML parsing for uploaded diagrams: no DTDs, no entities, no network, bounded size."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from engine.errors import DefinitionProblem

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024
# A DOCTYPE is where XXE and "billion laughs" live; BPMN never needs one, so refuse it outright.
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

#: BPMN flow node element names, by what they are.
ACTIVITIES = frozenset(
    {
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
        "callActivity",
        "subProcess",
        "transaction",
        "adHocSubProcess",
    }
)
EVENTS = frozenset(
    {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
)
GATEWAYS = frozenset(
    {
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
        "complexGateway",
    }
)
FLOW_NODE_KINDS = ACTIVITIES | EVENTS | GATEWAYS


class XmlRejectedError(Exception):
    def __init__(self, problem: DefinitionProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse_document(content: bytes, filename: str, *, max_bytes: int = MAX_DIAGRAM_BYTES) -> Any:
    """Parse `content` into an lxml element tree root, refusing anything dangerous.

    Raises:
        XmlRejectedError: too large, carries a DTD/entity declaration, or is not well-formed.
    """
    if len(content) > max_bytes:
        raise XmlRejectedError(
            DefinitionProblem(
                "error", f"file is {len(content)} bytes; the limit is {max_bytes}", filename
            )
        )
    match = _DOCTYPE.search(content)
    if match is not None:
        line = content.count(b"\n", 0, match.start()) + 1
        raise XmlRejectedError(
            DefinitionProblem(
                "error",
                "DOCTYPE and ENTITY declarations are not allowed in diagrams",
                filename,
                line,
            )
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )
    try:
        return etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        error_line = exc.lineno if isinstance(exc.lineno, int) else None
        raise XmlRejectedError(
            DefinitionProblem("error", f"not well-formed XML: {exc.msg}", filename, error_line)
        ) from exc


def local_name(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return str(etree.QName(tag).localname)


def namespace(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return str(etree.QName(tag).namespace or "")
