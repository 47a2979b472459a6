"""docs/authoring.md holds true: the worked example's excerpts are in the shipped files, and each
rule of its table "What deploy refuses" is refused by deploy in the words the table gives (the
worked example broken once per rule)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.definitions.bundles import bundle_from_directory, validate_bundle
from engine.errors import InvalidDefinitionError

REPO = Path(__file__).resolve().parents[2]
GUIDE = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
DIAGRAM = "cap_lai_the_bhyt.bpmn"
CHECK_FORM = "reception_check.json"
RESULT_FIELDS = (
    '<camunda:property name="result_fields" value="new_card_number: Số thẻ bảo hiểm y tế mới; '
    'card_valid_from: Thẻ có giá trị sử dụng từ ngày; opinion: Ý kiến thẩm định" />'
)
INIT_SCRIPT = "<bpmn:script>supplement_rounds = 0</bpmn:script>"
#: Each rule of the table, broken in the worked example: (file, what, into what, element).
BREAKS: dict[str, tuple[str, str, str, str]] = {
    "process-name": (
        DIAGRAM,
        'name="Cấp lại, đổi thẻ bảo hiểm y tế" isExecutable',
        "isExecutable",
        "cap_lai_the_bhyt",
    ),
    "sla": (
        DIAGRAM,
        '<camunda:property name="sla" value="7 working_days" />',
        "",
        "cap_lai_the_bhyt",
    ),
    "sla-unit": (
        DIAGRAM,
        '<camunda:property name="sla" value="7 working_days" />',
        '<camunda:property name="sla" value="7 weeks" />',
        "cap_lai_the_bhyt",
    ),
    "applicant": (
        DIAGRAM,
        '<camunda:property name="sla" value="7 working_days" />',
        '<camunda:property name="sla" value="7 working_days" />'
        '<camunda:property name="applicant" value="company" />',
        "cap_lai_the_bhyt",
    ),
    "submission-form": (
        DIAGRAM,
        'name="Hồ sơ được nộp" camunda:formKey="submission"',
        'name="Hồ sơ được nộp"',
        "cap_lai_the_bhyt",
    ),
    "form-in-bundle": (
        DIAGRAM,
        'camunda:formKey="appraisal"',
        'camunda:formKey="tham_dinh"',
        "appraise",
    ),
    "role": (
        DIAGRAM,
        '<bpmn:userTask id="check_dossier" name=',
        '<bpmn:userTask id="check_dossier" camunda:candidateGroups="boss" name=',
        "check_dossier",
    ),
    "status": (
        DIAGRAM,
        '<camunda:property name="status" value="4" />',
        '<camunda:property name="status" value="11" />',
        "appraise",
    ),
    "status-7": (
        DIAGRAM,
        '<camunda:property name="status" value="4" />',
        '<camunda:property name="status" value="7" />',
        "appraise",
    ),
    "status-8": (
        DIAGRAM,
        '<camunda:property name="status" value="4" />',
        '<camunda:property name="status" value="8" />',
        "appraise",
    ),
    "documents-received": (CHECK_FORM, '"documents_received"', '"giay_to_da_nhan"', "received"),
    "issues-known": (DIAGRAM, 'value="mau_03"', 'value="mau_09"', "end_refused"),
    "issues-05": (DIAGRAM, 'value="mau_03"', 'value="mau_05"', "end_refused"),
    "issues-01": (DIAGRAM, 'value="mau_03"', 'value="mau_01"', "end_refused"),
    "issues-04": (DIAGRAM, 'value="mau_03"', 'value="mau_04"', "end_refused"),
    "result-fields": (DIAGRAM, RESULT_FIELDS, "", "end_processing_done"),
    "result-field-known": (
        DIAGRAM,
        "new_card_number: Số thẻ bảo hiểm y tế mới;",
        "so_the: Số thẻ;",
        "end_processing_done",
    ),
    "transfer": (
        DIAGRAM,
        '<camunda:property name="sla" value="4 working_days" />',
        '<camunda:property name="sla" value="4 working_days" />'
        '<camunda:property name="transfer_to" value="don_vi" />',
        "appraise",
    ),
    "gateway": (
        DIAGRAM,
        'name="Đề xuất của chuyên viên?" default="f_appraisal_propose">',
        'name="Đề xuất của chuyên viên?">',
        "f_appraisal_propose",
    ),
    "timer": (
        DIAGRAM,
        "before_appointment(1)</bpmn:timeDate>",
        '"P5X"</bpmn:timeDate>',
        "warn_overdue",
    ),
    "script": (DIAGRAM, INIT_SCRIPT, "<bpmn:script>import os</bpmn:script>", "init_dossier"),
    "service-task": (
        DIAGRAM,
        '<bpmn:scriptTask id="init_dossier" name="Khởi tạo hồ sơ" scriptFormat="python">',
        '<bpmn:serviceTask id="init_dossier" name="Khởi tạo hồ sơ">',
        "init_dossier",
    ),
}


def _rules() -> dict[str, str]:
    """The table between the rules markers: rule id -> the words deploy uses."""
    table = GUIDE.split("<!-- rules:start -->", 1)[1].split("<!-- rules:end -->", 1)[0]
    rows = re.findall(r"^\| ([a-z0-9-]+): .*? \| `(.+)` \|$", table, flags=re.MULTILINE)
    return dict(rows)


def test_the_table_lists_exactly_the_rules_the_test_breaks() -> None:
    assert set(_rules()) == set(BREAKS)


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_a_diagram_breaking_a_rule_is_refused_in_the_guide_s_words(rule: str) -> None:
    file, old, new, element = BREAKS[rule]
    bundle = bundle_from_directory(REPO / "bpmn" / DIAGRAM, REPO / "forms")
    if file == DIAGRAM and rule == "service-task":
        text = bundle[DIAGRAM].decode()
        text = text.replace(INIT_SCRIPT, "").replace("</bpmn:scriptTask>", "</bpmn:serviceTask>", 1)
        bundle[DIAGRAM] = text.encode()
    text = bundle[file].decode()
    assert old in text, f"{rule}: the worked example no longer has {old!r}"
    bundle[file] = text.replace(old, new).encode()
    with pytest.raises(InvalidDefinitionError) as caught:
        validate_bundle(bundle)
    found = [(p.element_id, p.message) for p in caught.value.problems if p.severity == "error"]
    words = _rules()[rule]
    assert any(e == element and words in m for e, m in found), found


def _lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def test_the_worked_example_quotes_the_shipped_diagram() -> None:
    section = GUIDE.split("## Worked example", 1)[1].split("\n## ", 1)[0]
    excerpts = re.findall(r"```xml\n(.*?)```", section, flags=re.DOTALL)
    assert len(excerpts) >= 10
    shipped = _lines((REPO / "bpmn" / DIAGRAM).read_text(encoding="utf-8"))
    for excerpt in excerpts:
        assert _lines(excerpt) in shipped, excerpt
