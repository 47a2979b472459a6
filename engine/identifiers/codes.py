"""Dossier codes (mã hồ sơ), Circular 01/2018 art. 19: `<unit code>-<YYMMDD>-<NNNN>` (R-3.1).

The generator is pluggable: DVCQG may issue codes in a longer format (docs/domain.md section 3).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Protocol

from engine.errors import CodeSequenceExhaustedError
from storage.uow import UnitOfWork

DAILY_LIMIT = 9999
CODE_PATTERN = re.compile(r"^(?P<unit>[0-9A-Za-z.]{1,40})-(?P<day>\d{6})-(?P<seq>\d{4})$")


class DossierCodeGenerator(Protocol):
    def next_code(self, uow: UnitOfWork, unit_code: str, local_day: date) -> str:
        """A new code, unique for ever, inside the caller's transaction."""
        ...


class Circular01CodeGenerator:
    def next_code(self, uow: UnitOfWork, unit_code: str, local_day: date) -> str:
        day = local_day.strftime("%y%m%d")
        number = uow.codes.next_value(unit_code, day)
        if number > DAILY_LIMIT:
            raise CodeSequenceExhaustedError(
                f"unit {unit_code} has issued all {DAILY_LIMIT} dossier codes "
                f"for {local_day:%d/%m/%Y}; "
                "the code format allows no more today"
            )
        return f"{unit_code}-{day}-{number:04d}"
