"""The JSON-Schema form renderer, driven through HTML: every shipped form renders with a
Vietnamese label for every field and choice, and what a browser posts back from the rendered
page is the same JSON, typed by the schema and validated by `forms.validate`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import lxml.html
import pytest
from flask import Flask

from forms import validate
from tests.pages.browsing import Browser, Page
from tests.pages.form_harness import register, schema_of, shipped_forms
from web.forms_render import SchemaForm
from web.forms_render.schema import read_schema

#: Values that match the patterns the shipped forms use (a new pattern needs an example here).
PATTERN_EXAMPLES = {
    "^[0-9A-Za-z._-]{4,40}$": "TA0001A",
    "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$": "an.nguyen@example.vn",
    "^[0-9A-Z.]{3,20}$": "BL.2026.001",
    "^[0-9A-Fa-f]{8,64}$": "3F2A9C1B",
    "^[0-9A-Z]{8,12}$": "001090012345",
    "^(\\+84|0)[0-9]{9,10}$": "0912345678",
    "^[0-9]{10}$": "0123456789",
    "^[A-Z]{2}[0-9]{13}$": "DN4010123456789",
    "^[0-9a-f]{64}$": "ab" * 32,
    "^[0-9]{6,20}$": "0123456789",
    "^20[0-9]{2}-(0[1-9]|1[0-2])$": "2026-03",
    "^([0-9]{10}|[A-Z]{2}[0-9]{13})$": "DN4010123456789",
}
INLINE: dict[str, dict[str, Any]] = {
    "kinds": {
        "type": "object",
        "required": ["name", "kind"],
        "properties": {
            "name": {"type": "string", "title": "Tên", "maxLength": 50},
            "kind": {
                "type": "string",
                "title": "Loại",
                "oneOf": [{"const": "a", "title": "Loại A"}, {"const": "b", "title": "Loại B"}],
            },
            "level": {
                "type": "integer",
                "title": "Cấp",
                "enum": [1, 2, 3, 4, 5, 6],
                "x-enum-titles": ["Một", "Hai", "Ba", "Bốn", "Năm", "Sáu"],
            },
            "agree": {"type": "boolean", "title": "Tôi cam đoan"},
            "amount": {"type": "number", "title": "Số tiền", "minimum": 0},
            "count": {"type": "integer", "title": "Số lượng", "maximum": 1000000},
            "when": {"type": "string", "format": "date", "title": "Ngày"},
            "notes": {"type": "string", "title": "Ghi chú", "maxLength": 2000},
            "address": {"$ref": "#/$defs/address"},
            "tags": {
                "type": "array",
                "title": "Nhãn",
                "items": {"type": "string", "title": "Nhãn"},
            },
            "extra": {"title": "Dữ liệu khác"},
        },
        "$defs": {
            "address": {
                "type": "object",
                "title": "Địa chỉ",
                "properties": {"street": {"type": "string", "title": "Đường"}},
            }
        },
    },
    "consent": {
        "type": "object",
        "required": ["agree"],
        "properties": {"agree": {"type": "boolean", "title": "Tôi cam đoan", "const": True}},
    },
}


@pytest.fixture
def forms_app(web_app: Flask) -> Flask:
    register(web_app, INLINE)
    return web_app


@pytest.fixture
def visitor(forms_app: Flask) -> Browser:
    return Browser(forms_app.test_client())


def example(schema: dict[str, Any], node: dict[str, Any] | None = None) -> Any:
    """Valid data for `schema` with every field filled (so every branch of it is drawn)."""
    node = schema if node is None else node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return example(schema, schema["$defs"][name])
    if "enum" in node:
        return node["enum"][-1]
    if "oneOf" in node:
        return node["oneOf"][-1]["const"]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {key: example(schema, sub) for key, sub in node.get("properties", {}).items()}
    if kind == "array":
        choices = node["items"].get("enum") if isinstance(node.get("items"), dict) else None
        if node.get("uniqueItems") and choices:  # two different choices
            return list(choices[-2:])
        return [example(schema, node["items"]), example(schema, node["items"])]
    if kind == "boolean":
        return True
    if kind == "integer":
        return min(max(node.get("minimum", 0), 1) + 41, node.get("maximum", 10**9))
    if kind == "number":
        return 12.5
    if kind == "string":
        if node.get("format") == "date":
            return "2026-03-10"
        if "pattern" in node:
            assert node["pattern"] in PATTERN_EXAMPLES, f"add an example for {node['pattern']}"
            return PATTERN_EXAMPLES[node["pattern"]]
        text = "Nội dung <b>mẫu</b> có dấu: Đặng Thị Ánh"
        return text[: node.get("maxLength", len(text))].ljust(node.get("minLength", 0), "x")
    return {"tự do": [1, "hai"]}


def posted(page: Page) -> dict[str, str]:
    """What a browser would send for the page's form, as it stands."""
    form = lxml.html.fromstring(page.html).xpath("//main//form")[0]
    return {name: value for name, value in form.form_values() if name != "csrf_token"}


def prefill(browser: Browser, path: str, data: dict[str, Any]) -> Page:
    """The form drawn with `data` in it."""
    return browser.get(f"{path}?{urlencode({'data': json.dumps(data)})}")


@pytest.mark.parametrize(("procedure", "form_key"), shipped_forms())
def test_every_shipped_form_renders_with_vietnamese_labels_and_choices(
    visitor: Browser, procedure: str, form_key: str
) -> None:
    page = visitor.get(f"/_test/forms/{procedure}/{form_key}")
    root = read_schema(schema_of(procedure, form_key))
    pending = list(root.children)
    while pending:
        field = pending.pop()
        pending += list(field.children) + ([field.item] if field.item else [])
        if field.kind == "choice":
            for value, label in field.choices:
                assert label != str(value), (
                    f"{procedure}/{form_key}: {field.key}={value} unlabelled"
                )
    # Every control has a label (or a legend, for radios) that names it.
    tree = page.tree
    for control in tree.xpath("//main//form//*[self::input or self::select or self::textarea]"):
        if control.get("type") in ("hidden", "radio", "submit"):
            continue
        assert tree.xpath(f"//label[@for='{control.get('id')}']"), control.get("name")


@pytest.mark.parametrize(("procedure", "form_key"), shipped_forms())
def test_every_shipped_form_gives_back_the_data_it_was_filled_with(
    visitor: Browser, procedure: str, form_key: str
) -> None:
    schema = schema_of(procedure, form_key)
    data = example(schema)
    assert validate(schema, data, prefix="") == [], "the example itself must be valid"
    path = f"/_test/forms/{procedure}/{form_key}"
    filled = prefill(visitor, path, data)
    page = visitor.post(path, posted(filled), expect=200)
    assert json.loads(page.all("//pre[@id='data']")[0].text) == data


def test_choices_take_their_labels_from_each_convention(visitor: Browser) -> None:
    page = visitor.get("/_test/schemas/kinds")
    radios = [
        " ".join(x.text_content().split()) for x in page.all("//label[@class='radios__label']")
    ]
    assert radios == ["Loại A", "Loại B"]  # oneOf/const/title: two choices, radios
    options = [o.text for o in page.all("//select[@name='level']/option")]
    assert options == ["— Chọn —", "Một", "Hai", "Ba", "Bốn", "Năm", "Sáu"]  # six: a select
    submission = visitor.get("/_test/forms/cap_lai_the_bhyt/submission")
    labels = [
        " ".join(x.text_content().split())
        for x in submission.all("//label[@class='radios__label']")
    ]
    assert "Cấp lại do mất thẻ" in labels  # from the description "value: label; ..."
    assert "Nữ" in labels  # from x-enum-titles
    assert "reissue_lost:" not in submission.text()  # the description is used up, not shown


def test_values_are_typed_by_the_schema_as_vietnamese_write_them(visitor: Browser) -> None:
    page = visitor.post(
        "/_test/schemas/kinds",
        {
            "name": "  Đặng Thị Ánh  ",
            "kind": "b",
            "level": "6",
            "agree": "true",
            "amount": "12,5",
            "count": "1.000.000",
            "when": "17/05/1990",
            "notes": "dòng 1\r\ndòng 2",
            "address.street": "12 Phố Huế",
            "tags.0": "một",
            "tags.3": "hai",
            "extra": '{"a": [1, 2]}',
        },
        expect=200,
    )
    assert json.loads(page.all("//pre[@id='data']")[0].text) == {
        "name": "Đặng Thị Ánh",
        "kind": "b",
        "level": 6,
        "agree": True,
        "amount": 12.5,
        "count": 1000000,
        "when": "1990-05-17",
        "notes": "dòng 1\ndòng 2",
        "address": {"street": "12 Phố Huế"},
        "tags": ["một", "hai"],
        "extra": {"a": [1, 2]},
    }


def test_errors_are_in_vietnamese_next_to_their_field_and_the_input_is_kept(
    visitor: Browser,
) -> None:
    page = visitor.post(
        "/_test/forms/cap_lai_the_bhyt/submission",
        {
            "full_name": "A",
            "gender": "nu",
            "date_of_birth": "31/02/1990",
            "id_number": "12",
            "phone": "abc",
            "request_type": "exchange_info_change",
            "social_insurance_code": "0123456789",
            "result_address": "12 Phố Huế, Hà Nội",
        },
        expect=422,
    )
    assert page.error_summary() == [
        "Họ và tên phải có ít nhất 2 ký tự",
        "Ngày, tháng, năm sinh phải là một ngày có thật, ví dụ 17/05/1990",
        "Số CCCD/ĐDCN/Hộ chiếu không đúng định dạng",
        "Số điện thoại liên hệ không đúng định dạng",
        "Nhập nội dung thay đổi, yêu cầu",  # required by the if/then on request_type
    ]
    assert page.field_error("f-full_name") == "Họ và tên phải có ít nhất 2 ký tự"
    assert page.all("//input[@name='full_name']/@value") == ["A"]
    # A date that is not one stays as typed, in a text input, rather than being lost.
    assert page.all("//input[@name='date_of_birth']/@value") == ["31/02/1990"]
    assert page.all("//input[@name='date_of_birth']/@type") == ["text"]
    assert page.all("//input[@name='gender'][@checked]/@value") == ["nu"]
    assert page.tree.xpath("//title")[0].text.startswith("Lỗi: ")
    # Each summary entry links to its field.
    for href in page.all("//*[@data-error-summary]//a/@href"):
        assert page.all(f"//*[@id='{href[1:]}']"), href


def test_a_required_tick_box_and_a_number_that_is_not_one(visitor: Browser) -> None:
    page = visitor.post("/_test/schemas/consent", {}, expect=422)
    assert page.error_summary() == ["Đánh dấu ô “Tôi cam đoan” để tiếp tục"]
    page = visitor.post(
        "/_test/schemas/kinds", {"name": "x", "kind": "a", "count": "12a"}, expect=422
    )
    assert page.error_summary() == ["Số lượng phải là số nguyên, ví dụ 12"]
    assert page.all("//input[@name='count']/@value") == ["12a"]


def test_conditional_fields_say_when_they_are_required(visitor: Browser) -> None:
    page = visitor.get("/_test/forms/bhxh_mot_lan/submission")
    bank = page.all("//*[@data-show-when='payment_method']")
    assert len(bank) == 2  # bank_account and bank_name
    assert "bắt buộc khi “Hình thức nhận tiền” là “Chuyển khoản qua tài khoản ngân hàng”" in (
        " ".join(bank[0].text_content().split())
    )
    # The server decides: paid by post office, no bank account needed.
    data = example(schema_of("bhxh_mot_lan", "submission"))
    data.update(payment_method="post_office")
    del data["bank_account"], data["bank_name"]
    filled = prefill(visitor, "/_test/forms/bhxh_mot_lan/submission", data)
    page = visitor.post("/_test/forms/bhxh_mot_lan/submission", posted(filled), expect=200)
    filled = prefill(
        visitor, "/_test/forms/bhxh_mot_lan/submission", {**data, "payment_method": "bank"}
    )
    page = visitor.post("/_test/forms/bhxh_mot_lan/submission", posted(filled), expect=422)
    assert page.error_summary() == ["Nhập số tài khoản", "Nhập ngân hàng"]


def test_rows_are_added_and_removed_without_javascript(visitor: Browser) -> None:
    path = "/_test/forms/cap_lai_the_bhyt/reception_check"
    page = visitor.get(path)
    assert (
        len(
            page.all(
                "//fieldset[@id='f-documents_received']//fieldset[contains(@class, 'repeat__row')]"
            )
        )
        == 1
    )
    values = posted(page)
    values.update({"documents_received.0.name": "Tờ khai TK1-TS"})
    page = visitor.post(path, {**values, "_form_action": "add:documents_received"}, expect=200)
    rows = page.all(
        "//fieldset[@id='f-documents_received']//fieldset[contains(@class, 'repeat__row')]"
    )
    assert len(rows) == 2
    assert page.all("//input[@name='documents_received.0.name']/@value") == ["Tờ khai TK1-TS"]
    assert page.error_summary() == []  # adding a row is not submitting
    values = posted(page)
    values["documents_received.1.name"] = "Bản sao CCCD"
    page = visitor.post(path, {**values, "_form_action": "remove:documents_received.0"}, expect=200)
    assert page.all("//input[@name='documents_received.0.name']/@value") == ["Bản sao CCCD"]
    assert not page.all("//input[@name='documents_received.1.name']")


def test_empty_rows_are_left_out_and_a_full_array_offers_no_more_rows(visitor: Browser) -> None:
    path = "/_test/forms/cap_lai_the_bhyt/appraisal"
    values = {
        "decision": "supplement",
        "opinion": "Thiếu giấy tờ",
        "missing_documents.0": "",
        "missing_documents.1": "Bản sao CCCD",
        "missing_documents.2.:row": "1",
        "reasons": "Thiếu bản sao căn cước công dân",
    }
    page = visitor.post(path, values, expect=200)
    assert json.loads(page.all("//pre[@id='data']")[0].text)["missing_documents"] == [
        "Bản sao CCCD"
    ]
    approve = {
        "decision": "approve",
        "opinion": "Đủ điều kiện",
        "new_card_number": "DN4010123456790",
    }
    page = visitor.post(path, {**approve, "missing_documents.0": ""}, expect=200)
    assert "missing_documents" not in json.loads(page.all("//pre[@id='data']")[0].text)
    full = {f"missing_documents.{i}": f"Giấy {i}" for i in range(60)}
    page = visitor.post(path, {**full, "_form_action": "add:missing_documents"}, expect=200)
    maximum = schema_of("cap_lai_the_bhyt", "appraisal")["properties"]["missing_documents"][
        "maxItems"
    ]
    assert (
        len(page.all("//input[starts-with(@name, 'missing_documents.')][@type='text']")) == maximum
    )
    assert not page.all("//button[@value='add:missing_documents']")


def test_a_hostile_schema_renders_within_bounds() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(50):
        deep = {"type": "object", "properties": {"x": deep}}
    root = read_schema(
        {
            "type": "object",
            "properties": {
                "deep": deep,
                "a.b%c": {"type": "string", "title": "Dấu chấm"},
                "loop": {"$ref": "#/$defs/loop"},
                "remote": {"$ref": "http://example.invalid/x.json"},
                "many": {"type": "array", "maxItems": 10**9, "items": {"type": "string"}},
                "bad": {"type": "object", "properties": ["not", "a", "mapping"]},
            },
            "$defs": {"loop": {"$ref": "#/$defs/loop"}},
        }
    )
    kinds = {child.key: child.kind for child in root.children}
    assert kinds == {
        "deep": "object",
        "a.b%c": "text",
        "loop": "json",
        "remote": "json",
        "many": "array",
        "bad": "object",
    }
    node = root.children[0]
    depth = 0
    while node.kind == "object":
        node, depth = node.children[0], depth + 1
    assert node.kind == "json" and depth < 10  # nesting past the bound is edited as JSON
    assert root.child("many") is not None and root.child("many").max_items == 50  # type: ignore[union-attr]
    form = SchemaForm({"type": "object", "properties": {"a.b%c": {"type": "string"}}})
    state = form.from_post({"a%2Eb%25c": "giá trị"})
    data, errors = state.submit()
    assert data == {"a.b%c": "giá trị"} and errors == {}


def test_errors_the_engine_finds_after_the_form_are_shown_next_to_their_field() -> None:
    form = SchemaForm(schema_of("cap_lai_the_bhyt", "submission"))
    state = form.from_post({"full_name": "Nguyễn Văn An"})
    state.add_engine_errors([("data.full_name", "does not match the ID card"), ("data", "x")])
    view = state.view()
    assert view.summary == [("f-full_name", "Họ và tên không hợp lệ")]
    assert view.form_errors == ["Biểu mẫu chưa hợp lệ, vui lòng kiểm tra lại các thông tin đã nhập"]


def test_a_form_costlier_than_the_budget_for_the_rows_entered_says_so() -> None:
    """The page validates like the API: past the validation budget (forms.prepared) the page
    says the form is too complex for what was entered, not that a field is wrong."""
    costly = {"type": "integer", "title": "Số", "allOf": [{}] * 5000}
    form = SchemaForm(
        {"type": "object", "properties": {"rows": {"type": "array", "items": costly}}}
    )
    data, errors = form.from_post({"rows.0": "1", "rows.1": "2"}).submit()
    assert data == {"rows": [1, 2]} and errors == {}
    state = form.from_post({f"rows.{i}": str(i) for i in range(12)})
    state.submit()
    assert state.view().form_errors == [
        "Biểu mẫu này quá phức tạp để kiểm tra với dữ liệu đã nhập; "
        "vui lòng bớt số dòng hoặc báo cho cơ quan giải quyết"
    ]
