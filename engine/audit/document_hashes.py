"""`audit verify` for documents of record (issue 14): each stored signed PDF must hash to the
SHA-256 that its `document_issued` event put into the dossier's chain, and each recorded
document must still be stored. A flipped byte in a stored PDF is found here even though the
document row itself (and its `sha256` column) is untouched."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.audit.integrity import MODIFIED, IntegrityProblem
from engine.event_types import EventType
from engine.events import dossier_chain, dossier_code_of
from storage.audit import EventRow
from storage.uow import UnitOfWork


@dataclass
class RecordedDocuments:
    """The SHA-256 of every signed document the events record, per chain."""

    hashes: dict[str, dict[str, int]] = field(default_factory=dict)

    def note(self, row: EventRow) -> None:
        if row.type == EventType.DOCUMENT_ISSUED and isinstance(row.payload.get("sha256"), str):
            self.hashes.setdefault(row.chain, {})[row.payload["sha256"]] = row.seq

    def problems(
        self,
        uow: UnitOfWork,
        dossier_ids: Mapping[str, int],
        only: str | None,
        seen: set[str],
    ) -> list[IntegrityProblem]:
        """Stored PDFs that differ from what the chain recorded, and recorded ones missing.
        Chains not `seen` in the pass are reported missing already: their documents are not."""
        codes = {dossier_id: code for code, dossier_id in dossier_ids.items()}
        found: list[IntegrityProblem] = []
        stored: dict[str, set[str]] = {}
        for document in uow.documents.with_pdfs(dossier_ids.get(only) if only else None):
            code = codes.get(document.dossier_id)
            if code is None or (only is not None and code != only):
                continue
            chain = dossier_chain(code)
            if chain not in seen:
                continue
            recorded = self.hashes.get(chain, {})
            actual = hashlib.sha256(document.pdf or b"").hexdigest()
            stored.setdefault(chain, set()).add(actual)
            if actual not in recorded:
                found.append(
                    IntegrityProblem(
                        MODIFIED,
                        chain,
                        None,
                        f"document {document.number or document.id}: the stored PDF (SHA-256 "
                        f"{actual[:12]}…) is not the one the chain recorded as issued",
                    )
                )
        for chain, recorded in self.hashes.items():
            code = dossier_code_of(chain)
            if only is not None and code != only:
                continue
            for sha256, seq in recorded.items():
                if sha256 not in stored.get(chain, set()) and not _replaced(found, chain):
                    found.append(
                        IntegrityProblem(
                            MODIFIED,
                            chain,
                            seq,
                            f"the document issued here ({sha256[:12]}…) is no longer stored",
                        )
                    )
        return found


def _replaced(found: list[IntegrityProblem], chain: str) -> bool:
    """A changed PDF is already reported once; its recorded hash is then missing too."""
    return any(problem.chain == chain for problem in found)
