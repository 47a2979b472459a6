"""What is wrong with a field, in Vietnamese, from the failing JSON Schema keyword (the
validator's own messages are English and name the schema, not the form)."""

from __future__ import annotations

from typing import Any

from forms import FormFieldError
from web.forms_render.schema import Field, short_label
from web.i18n import _

CHOICE_KINDS = frozenset({"choice", "boolean", "date"})


def subject(field: Field) -> str:
    """The field's label inside a sentence: its number dropped, first letter lowered unless it
    starts an acronym (`[08] Số CCCD` -> `số CCCD`, `CCCD` stays)."""
    label = short_label(field.label)
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def parse_error(field: Field) -> str:
    """The input could not even be read as its type."""
    name = subject(field)
    if field.kind == "integer":
        return _("%(name)s phải là số nguyên, ví dụ 12", name=_cap(name))
    if field.kind == "number":
        return _("%(name)s phải là số, ví dụ 12 hoặc 12,5", name=_cap(name))
    if field.kind == "date":
        return _("%(name)s phải là một ngày có thật, ví dụ 17/05/1990", name=_cap(name))
    if field.kind == "json":
        return _("%(name)s không phải dữ liệu JSON hợp lệ", name=_cap(name))
    return _("%(name)s không hợp lệ", name=_cap(name))


def message(field: Field, error: FormFieldError) -> str:
    """A sentence for one validation error of `field`."""
    name = subject(field)
    keyword, limit = error.keyword, error.constraint
    if keyword == "required":
        if field.kind in CHOICE_KINDS:
            return (
                _("Chọn %(name)s", name=name)
                if field.kind != "date"
                else _("Nhập %(name)s", name=name)
            )
        if field.kind == "array":
            return _("Thêm ít nhất một dòng vào %(name)s", name=name)
        return _("Nhập %(name)s", name=name)
    if keyword == "minLength":
        if limit == 1:
            return _("Nhập %(name)s", name=name)
        return _("%(name)s phải có ít nhất %(n)s ký tự", name=_cap(name), n=limit)
    if keyword == "maxLength":
        return _("%(name)s chỉ được dài tối đa %(n)s ký tự", name=_cap(name), n=limit)
    if keyword == "pattern":
        return _("%(name)s không đúng định dạng", name=_cap(name))
    if keyword == "format":
        if limit == "date":
            return parse_error(field)
        return _("%(name)s không đúng định dạng", name=_cap(name))
    if keyword == "minimum":
        return _("%(name)s phải lớn hơn hoặc bằng %(n)s", name=_cap(name), n=_number(limit))
    if keyword == "exclusiveMinimum":
        return _("%(name)s phải lớn hơn %(n)s", name=_cap(name), n=_number(limit))
    if keyword == "maximum":
        return _("%(name)s phải nhỏ hơn hoặc bằng %(n)s", name=_cap(name), n=_number(limit))
    if keyword == "exclusiveMaximum":
        return _("%(name)s phải nhỏ hơn %(n)s", name=_cap(name), n=_number(limit))
    if keyword == "multipleOf":
        return _("%(name)s phải là bội số của %(n)s", name=_cap(name), n=_number(limit))
    if keyword in ("enum", "const", "oneOf", "anyOf"):
        if field.kind == "boolean":
            return _("Đánh dấu ô “%(label)s” để tiếp tục", label=field.label)
        return _("Chọn %(name)s trong danh sách", name=name)
    if keyword == "type":
        if field.kind == "integer":
            return parse_error(field)
        if field.kind == "number":
            return parse_error(field)
        return _("%(name)s không hợp lệ", name=_cap(name))
    if keyword == "minItems":
        return _("%(name)s cần ít nhất %(n)s dòng", name=_cap(name), n=limit)
    if keyword == "maxItems":
        return _("%(name)s chỉ được tối đa %(n)s dòng", name=_cap(name), n=limit)
    if keyword == "uniqueItems":
        return _("Các dòng của %(name)s không được trùng nhau", name=name)
    if keyword == "additionalProperties":
        return _("Biểu mẫu không có trường này")
    return _("%(name)s không hợp lệ", name=_cap(name))


def invalid(field: Field) -> str:
    """The field is wrong in a way only the engine knows (its reason is not for this page)."""
    return _("%(name)s không hợp lệ", name=_cap(subject(field)))


def form_message() -> str:
    """An error about the form as a whole (no field to show it next to)."""
    return _("Biểu mẫu chưa hợp lệ, vui lòng kiểm tra lại các thông tin đã nhập")


def too_costly_message() -> str:
    """The form costs more than the validation budget for the data entered (forms.prepared):
    the applicant cannot fix the form, only enter less or tell the agency."""
    return _(
        "Biểu mẫu này quá phức tạp để kiểm tra với dữ liệu đã nhập; "
        "vui lòng bớt số dòng hoặc báo cho cơ quan giải quyết"
    )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(value: Any) -> str:
    """`1000000` -> `1.000.000`, `12.5` -> `12,5` (Vietnamese number format)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(value):,}".replace(",", ".")
