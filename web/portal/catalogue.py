"""Finding a procedure in the catalogue: the query matches whatever the accents and case.

Citizens type on phones without Vietnamese input ("cap lai the"), the catalogue is written with
it ("Cấp lại thẻ"): both are folded to plain lower-case letters (accents dropped, đ -> d) and
every word of the query must occur in the procedure's name, national code or key.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from engine.results import ProcedureSummary

_LETTER_FOLDS = str.maketrans({"đ": "d", "Đ": "d"})


@lru_cache(maxsize=4096)  # the catalogue's names recur on every request
def fold(text: str) -> str:
    """`Cấp lại, đổi THẺ` -> `cap lai, doi the`."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTER_FOLDS))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def search(procedures: Iterable[ProcedureSummary], query: str) -> list[ProcedureSummary]:
    """The procedures matching every word of `query` (all of them for an empty query), by name."""
    words = fold(query).replace(",", " ").split()
    found = []
    for procedure in procedures:
        haystack = fold(f"{procedure.name} {procedure.code or ''} {procedure.key}")
        if all(word in haystack for word in words):
            found.append(procedure)
    return sorted(found, key=lambda p: fold(p.name))
