"""The one per-process cache of each deployed definition: its parsed diagrams (what the runtime
steps) and its procedure model (what every read shows), both made at most once per process.

A deployed definition never changes and its content hash covers every file of its bundle, so an
entry is keyed by (procedure key, content hash): never stale, and right whichever database the row
came from (a test process opens many, each numbering its definitions from 1). The rows themselves
are kept by storage, per database (`storage.reference_data.DefinitionRowCache`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from engine.procedures.model import ProcedureModel
from engine.spiff.parser import ParsedProcedure, parse_bundle
from storage.models import Definition

#: Functions diagrams may call besides the safe builtins; `engine.step.deadlines` provides them.
SCRIPT_FUNCTIONS: frozenset[str] = frozenset({"working_days", "before_appointment"})


@dataclass(slots=True)
class _Entry:
    model: ProcedureModel | None = None
    parsed: ParsedProcedure | None = None


class DefinitionCache:
    """(key, content hash) -> the definition's model and parsed diagrams, least recently used
    evicted past `max_entries` (a parsed bundle is large; a process serves a few dozen)."""

    def __init__(self, max_entries: int = 128) -> None:
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def model(self, definition: Definition) -> ProcedureModel:
        """The procedure model stored with the definition at deploy time."""
        entry = self._entry(definition)
        model = entry.model
        if model is None:
            # Built outside the lock: two threads may both build it, and one result wins.
            model = entry.model = ProcedureModel.from_dict(definition.model)
        return model

    def get(self, definition: Definition) -> ParsedProcedure:
        """The definition's parsed diagrams, ready for the runtime."""
        entry = self._entry(definition)
        parsed = entry.parsed
        if parsed is None:
            parsed = entry.parsed = parse_bundle(
                {name: text.encode("utf-8") for name, text in definition.sources.items()},
                script_functions=SCRIPT_FUNCTIONS,
                expected_key=definition.key,
            )
        return parsed

    def _entry(self, definition: Definition) -> _Entry:
        identity = (definition.key, definition.content_hash)
        with self._lock:
            entry = self._entries.get(identity)
            if entry is not None:
                self._entries.move_to_end(identity)
                return entry
            entry = self._entries[identity] = _Entry()
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
            return entry


#: The process's cache: every use case, query and replay reads definitions through it.
DEFINITIONS = DefinitionCache()


def model_of(definition: Definition) -> ProcedureModel:
    """The procedure model of a deployed definition, from the process's one cache."""
    return DEFINITIONS.model(definition)
