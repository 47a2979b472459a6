"""A deployed definition is made into a model and parsed once per process, whichever path reads
it: the use cases (submit, complete a task), the views (a dossier's detail), the lists (whose rows
are new objects on every request) and another context on the same database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any
from uuid import uuid4

import pytest

from engine.context import EngineContext, build
from engine.definitions.cache import DEFINITIONS, model_of
from engine.procedures.model import ProcedureModel
from engine.services import definitions
from engine.spiff.parser import ParsedProcedure, parse_bundle
from tests.bundles import KEY, procedure_bundle, replaced
from tests.conftest import ADMIN
from tests.support import ACCEPT, HttpApi


def test_every_path_reads_one_model_and_one_parse_of_a_deployed_version(
    ctx: EngineContext, http: HttpApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: Counter[str] = Counter()
    parsed: Counter[str] = Counter()
    from_dict = ProcedureModel.from_dict

    def counting_from_dict(data: Mapping[str, Any]) -> ProcedureModel:
        built[str(data["key"])] += 1
        return from_dict(data)

    def counting_parse(files: Mapping[str, bytes], **options: Any) -> ParsedProcedure:
        parsed[str(options["expected_key"])] += 1
        return parse_bundle(files, **options)

    monkeypatch.setattr(ProcedureModel, "from_dict", staticmethod(counting_from_dict))
    monkeypatch.setattr("engine.definitions.cache.parse_bundle", counting_parse)
    # A step renamed: a content hash no other test has deployed, so not yet cached.
    name = 'name="Thẩm định hồ sơ"'
    renamed = replaced(procedure_bundle(), name, f'name="Thẩm định hồ sơ {uuid4().hex[:8]}"')
    assert definitions.deploy(ctx, ADMIN, renamed).version == 2

    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    assert http.dossier(code)["definition_version"] == 2
    for _ in range(2):
        listed = http.call("GET", "/api/v1/procedures", None)["items"]
        assert [p["version"] for p in listed if p["key"] == KEY] == [2]

    assert (built[KEY], parsed[KEY]) == (1, 1)
    assert ctx.definitions is DEFINITIONS
    with ctx.uow(write=False) as uow:
        row = uow.definitions.latest(KEY)
    assert row is not None
    other = build(ctx.settings, clock=ctx.clock)  # its own Database and row cache
    try:
        with other.uow(write=False) as uow:
            same = uow.definitions.latest(KEY)
        assert same is not None and same is not row
        assert other.definitions.model(same) is model_of(row)
        assert other.definitions.get(same) is ctx.definitions.get(row)
    finally:
        other.close()
    assert (built[KEY], parsed[KEY]) == (1, 1)
