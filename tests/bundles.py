"""Diagram bundles for tests: the deployed procedures as files, and changed versions of them."""

from __future__ import annotations

from typing import Any

from engine.definitions.bundles import bundle_from_directory
from tests.conftest import REPO
from tests.support import HttpApi

KEY = "cap_lai_the_bhyt"
DIAGRAM = f"{KEY}.bpmn"


def procedure_bundle(key: str = KEY) -> dict[str, bytes]:
    """`bpmn/<key>.bpmn` with its forms, as `motcua deploy` reads them."""
    return bundle_from_directory(REPO / "bpmn" / f"{key}.bpmn", REPO / "forms")


def replaced(files: dict[str, bytes], old: str, new: str, name: str = DIAGRAM) -> dict[str, bytes]:
    changed = dict(files)
    assert old.encode() in changed[name], f"{old!r} is not in {name}"
    changed[name] = changed[name].replace(old.encode(), new.encode())
    return changed


def with_archive_step(files: dict[str, bytes]) -> dict[str, bytes]:
    """Version 2 of cap_lai_the_bhyt: reception archives the dossier after returning the result."""
    files = replaced(
        files,
        'sourceRef="return_result" targetRef="end_returned" />',
        'sourceRef="return_result" targetRef="archive" />'
        '<bpmn:sequenceFlow id="f_archive_end" sourceRef="archive" targetRef="end_returned" />',
    )
    files = replaced(
        files,
        "<bpmn:incoming>f_return_end</bpmn:incoming>\n    </bpmn:endEvent>",
        "<bpmn:incoming>f_archive_end</bpmn:incoming>\n    </bpmn:endEvent>\n"
        '    <bpmn:manualTask id="archive" name="Lưu trữ hồ sơ">'
        "<bpmn:incoming>f_return_end</bpmn:incoming>"
        "<bpmn:outgoing>f_archive_end</bpmn:outgoing></bpmn:manualTask>",
    )
    files = replaced(
        files,
        "<bpmn:flowNodeRef>end_returned</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>end_returned</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>archive</bpmn:flowNodeRef>",
    )
    return replaced(
        files,
        "    </bpmndi:BPMNPlane>",
        '      <bpmndi:BPMNShape id="archive_di" bpmnElement="archive">'
        '<dc:Bounds x="1280" y="100" width="100" height="60" /></bpmndi:BPMNShape>\n'
        '      <bpmndi:BPMNEdge id="f_archive_end_di" bpmnElement="f_archive_end">'
        '<di:waypoint x="1330" y="160" /><di:waypoint x="1320" y="202" /></bpmndi:BPMNEdge>\n'
        "    </bpmndi:BPMNPlane>",
    )


def multipart(files: dict[str, bytes], field: str = "file") -> tuple[bytes, str]:
    """A multipart/form-data body with one part per file, and its content type.

    Built by hand: werkzeug's test client spools large bodies to temporary files it never
    closes, which the strict warning filter turns into errors.
    """
    boundary = "motcua-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
        for name, content in files.items()
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(
    http: HttpApi,
    files: dict[str, bytes],
    as_user: str = "analyst",
    *,
    path: str = "/api/v1/definitions",
    expect: int = 201,
) -> Any:
    """POST the files as multipart/form-data, one `file` part each."""
    body, content_type = multipart(files)
    response = http.client.post(
        path,
        data=body,
        headers={"Authorization": f"Bearer {http.token(as_user)}"},
        content_type=content_type,
    )
    assert response.status_code == expect, response.get_data(as_text=True)[:1500]
    if expect >= 400:
        assert response.content_type == "application/problem+json"
    return response
