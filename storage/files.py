"""Metadata of files uploaded to dossiers (the bytes live in the engine's file store)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import DossierFile


class DossierFiles:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, file: DossierFile) -> None:
        self.session.add(file)
        self.session.flush()

    def get(self, dossier_id: int, sha256: str) -> DossierFile | None:
        stmt = select(DossierFile).where(
            DossierFile.dossier_id == dossier_id, DossierFile.sha256 == sha256
        )
        return self.session.scalars(stmt).first()

    def for_dossier(self, dossier_id: int) -> Sequence[DossierFile]:
        stmt = (
            select(DossierFile)
            .where(DossierFile.dossier_id == dossier_id)
            .order_by(DossierFile.uploaded_at, DossierFile.id)
        )
        return self.session.scalars(stmt).all()
