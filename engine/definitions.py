"""Parsed procedures, cached per deployed version in each process (ARCHITECTURE.md section 2)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from engine.spiff.parser import ParsedProcedure, parse_bundle
from storage.models import Definition

#: Functions diagrams may call besides the safe builtins; `engine.deadlines` provides them.
SCRIPT_FUNCTIONS: frozenset[str] = frozenset({"working_days", "before_appointment"})


class DefinitionCache:
    """definition id -> ParsedProcedure; definitions are immutable, so entries never go stale."""

    def __init__(self, max_entries: int = 128) -> None:
        self._entries: OrderedDict[int, ParsedProcedure] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, definition: Definition) -> ParsedProcedure:
        with self._lock:
            parsed = self._entries.get(definition.id)
            if parsed is not None:
                self._entries.move_to_end(definition.id)
                return parsed
        parsed = parse_bundle(
            {name: text.encode("utf-8") for name, text in definition.sources.items()},
            script_functions=SCRIPT_FUNCTIONS,
            expected_key=definition.key,
        )
        with self._lock:
            self._entries[definition.id] = parsed
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return parsed
