"""What the render-on-demand endpoints made already, kept per process (issue 14).

Rendering shares one Typst compiler per process (one lock), so every render waits for the ones
before it. What is deterministic is rendered once and served again from here:

- an issued document's HTML view: made from its snapshot, which never changes (keyed on the
  document's id and SHA-256);
- Mẫu 06 (the control slip): made from the dossier's events so far, so keyed on the seq of the
  chain's last event that is not a read (reading the slip logs a read, which must not make the
  next request miss), and on the day it is printed for (its date).

Bounded in entries and bytes, least recently used first out. Reads are authorised and logged
before the cache is asked (SEC-5): a hit skips only the rendering and signing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024


class RenderCache:
    def __init__(self, *, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        #: Counters, for the tests and the operators' curiosity.
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], bytes]) -> bytes:
        """The bytes cached for `key`, or `make()`'s, kept for next time. Two requests that
        miss together both render (no render ever waits for another request's)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        made = make()
        if len(made) <= self.max_bytes // 4:  # one huge book does not flush everything else
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = made
                    self._bytes += len(made)
                while self._entries and (
                    len(self._entries) > self.max_entries or self._bytes > self.max_bytes
                ):
                    _, dropped = self._entries.popitem(last=False)
                    self._bytes -= len(dropped)
        return made
