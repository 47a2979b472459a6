"""One per-process cache of a deployed definition: every row of the same deployed version (read
twice, or from another database) gets the same model and the same parsed diagrams."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from engine.definitions.bundles import validate_bundle
from engine.definitions.cache import DEFINITIONS, DefinitionCache, model_of
from storage.models import Definition
from tests.bundles import KEY, procedure_bundle, replaced


def _row(files: dict[str, bytes]) -> Definition:
    """A definition row as storage would load it (a new object per read)."""
    bundle = validate_bundle(files)
    return Definition(
        key=bundle.parsed.key,
        version=1,
        name=bundle.parsed.model.name,
        content_hash=bundle.content_hash,
        sources=bundle.sources,
        forms=bundle.forms,
        model=bundle.parsed.model.to_dict(),
        deployed_at=datetime(2026, 3, 10, tzinfo=UTC),
        deployed_by="test",
    )


def _unique_bundle() -> dict[str, bytes]:
    """The procedure with a step renamed: a content hash no other test has deployed."""
    name = 'name="Thẩm định hồ sơ"'
    return replaced(procedure_bundle(), name, f'name="Thẩm định hồ sơ {uuid4().hex[:8]}"')


def test_two_rows_of_one_deployed_version_share_one_model_and_one_parse() -> None:
    cache = DefinitionCache()
    files = _unique_bundle()
    first, second = _row(files), _row(files)
    assert first is not second
    assert cache.model(first) is cache.model(second)
    assert cache.get(first) is cache.get(second)
    assert cache.model(first).key == cache.get(first).key == KEY


def test_another_version_is_another_entry() -> None:
    cache = DefinitionCache()
    one, other = _row(_unique_bundle()), _row(_unique_bundle())
    assert cache.model(one) is not cache.model(other)
    assert cache.get(one) is not cache.get(other)


def test_the_least_recently_used_entry_goes_past_the_limit() -> None:
    cache = DefinitionCache(max_entries=1)
    one, other = _row(_unique_bundle()), _row(_unique_bundle())
    kept = cache.model(one)
    cache.model(other)
    assert cache.model(one) is not kept  # evicted, built again
    assert cache.model(one) == kept


def test_model_of_reads_the_process_cache() -> None:
    row = _row(_unique_bundle())
    assert model_of(row) is DEFINITIONS.model(row)
    assert model_of(_row(procedure_bundle())) is not model_of(row)
