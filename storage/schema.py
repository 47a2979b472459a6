"""The whole schema: every model module imported, so that `METADATA` holds every table.

The tables live in several modules on one metadata (`storage.models.Base`): the `*_models`
modules, `storage.report_projection` (the report tables, beside the code that fills them) and
`storage.submission_keys` (its one table beside its repository); a
table is in the metadata only once its module was imported. Whatever walks the metadata
(Alembic's environment, wiping a test database, the seeded rows of the tests) takes it from
here, never from `Base` directly.
"""

from __future__ import annotations

from sqlalchemy import MetaData

# Imported for their tables, which join the metadata as the modules load.
from storage import (  # noqa: F401
    account_models,
    audit_models,
    integration_models,
    outbox_models,
    record_models,
    report_projection,
    submission_keys,
)
from storage.models import Base

METADATA: MetaData = Base.metadata
