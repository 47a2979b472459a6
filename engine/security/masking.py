"""Personal identifiers out of logs and lists (SEC-5): ID card, social insurance and phone
numbers, e-mail addresses and secrets in query strings are masked wherever text is logged."""

from __future__ import annotations

import re

#: Query or form parameters whose values are personal or secret, whatever they look like.
SENSITIVE_PARAMETERS = (
    "id_number",
    "phone",
    "email",
    "full_name",
    "password",
    "token",
    "access_token",
    "social_insurance_code",
    "tax_code",  # a household business's tax code is its owner's personal one
    "contact_name",
)
_PARAMETER = re.compile(
    r"(?P<key>\b(?:" + "|".join(SENSITIVE_PARAMETERS) + r")=)(?P<value>[^&\s\"']*)", re.IGNORECASE
)
#: CCCD (12 digits), old CMND (9), BHXH code (10), phone numbers (+84 or 0, 9-10 digits),
#: passports (a letter and 7-8 digits); at least 8 characters so dates and dossier numbers stay.
_IDENTIFIER = re.compile(r"(?<![\w.])(?:\+84|[A-Z])?\d{7,12}(?![\w])")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+\.)+[\w-]{2,}")
_BEARER = re.compile(r"(Bearer\s+)[\w.~+/=-]+", re.IGNORECASE)


def mask_identifier(value: str) -> str:
    """`001090012345` -> `*********345`: the last three characters, enough to tell two apart."""
    return "*" * max(len(value) - 3, 0) + value[-3:] if len(value) > 3 else "*" * len(value)


def mask_text(text: str) -> str:
    """Mask every personal identifier, e-mail address, bearer token and sensitive parameter."""
    text = _BEARER.sub(r"\1***", text)
    text = _PARAMETER.sub(lambda m: m.group("key") + ("***" if m.group("value") else ""), text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@***", text)
    return _IDENTIFIER.sub(lambda m: mask_identifier(m.group(0)), text)
