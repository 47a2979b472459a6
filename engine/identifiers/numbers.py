"""The integer range every id, version or sequence number can take: the database's BIGINT.

Anything a caller sends (a path segment, a query or body field, a token's subject) outside it
is refused where it enters (404, 422, 401), never handed to SQL (an OverflowError, a 500).
"""

from __future__ import annotations

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1


def in_bigint_range(value: int) -> bool:
    return BIGINT_MIN <= value <= BIGINT_MAX
