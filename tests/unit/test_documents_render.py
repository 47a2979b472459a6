"""Rendering documents of record: every form prints its data exactly, on A4, fonts embedded."""

from __future__ import annotations

import io
import re
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from engine.documents import catalogue, render
from engine.issuing.data import time_limit
from tests.documents_support import (
    FORMS,
    REPORTS,
    RESULTS,
    flat,
    page_image,
    sample,
    squeeze,
    texts,
)

A4 = (595.28, 841.89)


PRINTED_IN_CAPITALS = {"signer_title", "on_behalf", "authority", "unit_name"}
NOT_PRINTED = {"unit_code", "timeliness"}  # metadata; a choice prints as its label


def _strings(value: object) -> list[str]:
    """Every text value of the data, as the form prints it (dates are checked elsewhere)."""
    if isinstance(value, str):
        return [value] if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[\d:]+)?", value) else []
    if isinstance(value, dict):
        return [
            s.upper() if k in PRINTED_IN_CAPITALS else s
            for k, v in value.items()
            if k not in NOT_PRINTED
            for s in _strings(v)
        ]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("form", FORMS + RESULTS + REPORTS)
def test_every_value_of_the_data_can_be_read_back_from_the_pdf(form: str) -> None:
    data = sample(form)
    document = render(form, data)
    spec = catalogue()[form]
    for extracted in texts(document.pdf):
        page = flat(extracted)
        assert flat(spec.title).upper() in page or spec.title.upper() in page.upper()
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
        assert "Độc lập - Tự do - Hạnh phúc" in page
        assert "BẢO HIỂM XÃ HỘI QUẬN BA ĐÌNH" in page
        assert "Hà Nội, ngày 02 tháng 12 năm 2026" in page
        for value in _strings({k: v for k, v in data.items() if k != "place"}):
            assert squeeze(value) in squeeze(page), f"{form}: {value!r} is not on the page"


def test_mau_01_prints_the_appointment_and_documents_received() -> None:
    for extracted in texts(render("mau_01", sample("mau_01")).pdf):
        page = flat(extracted)
        assert "Mã hồ sơ: 000.00.07.H29-261202-0012" in page
        assert "Tiếp nhận hồ sơ của: Nguyễn Thị Hường" in page
        assert "14 giờ 30 phút, ngày 02 tháng 12 năm 2026" in page
        assert "17 giờ 00 phút, ngày 04 tháng 12 năm 2026" in page
        assert "Bản chính" in page and "Bản chụp" in page
        assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in page and "(Ký, ghi rõ họ tên)" in page


def test_vietnamese_diacritics_survive_exactly() -> None:
    data = sample("mau_02")
    data["applicant"]["full_name"] = "Nguyễn Thị Hường"
    data["reason"] = "Bảo hiểm xã hội ỷ ữ ặ ẫ ộ Ơ Ư ơ ư Đ đ"
    for extracted in texts(render("mau_02", data).pdf):
        assert "Nguyễn Thị Hường" in extracted
        assert "Bảo hiểm xã hội ỷ ữ ặ ẫ ộ Ơ Ư ơ ư Đ đ" in extracted


def test_decomposed_input_is_printed_composed() -> None:
    data = sample("mau_03")
    data["applicant"]["full_name"] = "Nguye\u0302\u0303n Thi\u0323 Hu\u031bo\u031b\u0300ng"
    for extracted in texts(render("mau_03", data).pdf):
        assert "Nguyễn Thị Hường" in extracted


@pytest.mark.parametrize("form", FORMS + RESULTS + REPORTS)
def test_page_is_a4_with_subset_embedded_fonts(form: str) -> None:
    reader = PdfReader(io.BytesIO(render(form, sample(form)).pdf))
    box = reader.pages[0].mediabox
    size = (round(float(box.width), 2), round(float(box.height), 2))
    assert size == (A4[1], A4[0]) if catalogue()[form].landscape else size == A4
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"])
        for reference in cast(DictionaryObject, resources["/Font"]).values():
            font = cast(DictionaryObject, reference.get_object())
            cid_font = cast(ArrayObject, font["/DescendantFonts"])[0].get_object()
            descriptor = cast(DictionaryObject, cid_font["/FontDescriptor"].get_object())
            assert "/FontFile3" in descriptor or "/FontFile2" in descriptor, font["/BaseFont"]
            assert re.match(r"/[A-Z]{6}\+LibertinusSerif", str(font["/BaseFont"])), "not a subset"


@pytest.mark.parametrize("form", FORMS + RESULTS + REPORTS)
def test_first_page_is_drawn(form: str) -> None:
    """Saved to var/screenshots/documents/ so a person can look at it."""
    width, height, ink = page_image(render(form, sample(form)).pdf, form)
    assert (width > height) == catalogue()[form].landscape
    assert 0.005 < ink < 0.2, f"{form}: {ink:.3%} of the page is dark"


def test_the_same_data_gives_the_same_bytes() -> None:
    first, second = render("mau_01", sample("mau_01")), render("mau_01", sample("mau_01"))
    assert first.pdf == second.pdf and first.sha256 == second.sha256
    changed = sample("mau_01")
    changed["appointment_at"] = "2026-12-07T17:00"
    assert render("mau_01", changed).sha256 != first.sha256


@pytest.mark.parametrize("form", FORMS + RESULTS + REPORTS)
def test_html_view_is_self_contained_and_carries_the_same_values(form: str) -> None:
    data = sample(form)
    page = render(form, data).html
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert "<style>" in page and "@page" in page
    assert not re.search(r"""(src|href)\s*=|url\(|@import|<script""", page, re.I)
    text = flat(re.sub(r"<[^>]+>", " ", page).replace("&lt;", "<").replace("&amp;", "&"))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    for value in _strings(data):
        assert squeeze(value) in squeeze(text), f"{form}: {value!r} missing from the HTML view"


def test_the_receipt_writes_every_time_limit_unit_in_words() -> None:
    # Mẫu 01 of a pension (Luật BHXH 2024 điều 79 khoản 3) must not print the diagram's unit name.
    assert time_limit("20 calendar_days_excl_holidays") == "20 ngày (không kể ngày nghỉ lễ, Tết)"
    assert time_limit("5 working_days") == "05 ngày làm việc"
    assert time_limit("8 working_hours") == "08 giờ làm việc"
