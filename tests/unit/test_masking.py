"""Personal identifiers are masked in any text we log (SEC-5)."""

from __future__ import annotations

import logging

import pytest

from api.logs import MaskingFilter
from engine.security.masking import mask_identifier, mask_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            '127.0.0.1 "GET /api/v1/public/dossiers/000.00.07.H29-260310-0001'
            '?id_number=001090012345 HTTP/1.1" 200',
            '127.0.0.1 "GET /api/v1/public/dossiers/000.00.07.H29-260310-0001'
            '?id_number=*** HTTP/1.1" 200',
        ),
        ("CCCD 001090012345, BHXH 0123456789", "CCCD *********345, BHXH *******789"),
        ("gọi 0912345678 hoặc +84912345678", "gọi *******678 hoặc *********678"),
        ("passport B1234567", "passport *****567"),
        ("mail an.nguyen@example.vn now", "mail a***@*** now"),
        ("Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln", "Authorization: Bearer ***"),
        ("?phone=0912345678&page=2&password=hunter22", "?phone=***&page=2&password=***"),
        ("?tax_code=0101234567-001&x=1", "?tax_code=***&x=1"),
        ("MST 0101234567-001 của đơn vị", "MST *******567-001 của đơn vị"),
    ],
)
def test_identifiers_and_secrets_are_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "dossier 000.00.07.H29-260310-0001 at 2026-03-10 09:00:00,123",
        "127.0.0.1 - - [10/Mar/2026:09:00:00 +0700] 200 1234 0.0123",
        "task 0d610e22-3b12-4a15-b695-7446ed0c863a",
    ],
)
def test_codes_times_and_addresses_stay_readable(text: str) -> None:
    assert mask_text(text) == text


def test_short_values_are_masked_whole() -> None:
    assert mask_identifier("123") == "***"
    assert mask_identifier("12345678") == "*****678"


def test_the_filter_masks_formatted_records_and_tracebacks() -> None:
    record = logging.LogRecord(
        "motcua", logging.ERROR, __file__, 1, "lookup %s by %s", ("001090012345", "x@y.vn"), None
    )
    try:
        raise ValueError("id 001090012345")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert MaskingFilter().filter(record)
    assert record.getMessage() == "lookup *********345 by x***@***"
    assert record.exc_text is not None and "001090012345" not in record.exc_text
