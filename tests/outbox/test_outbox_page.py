"""The administrators' outbox page (/can-bo/quan-tri/hop-thu-di): the parked messages are
listed with their error, and "Gửi lại" puts one back in the queue (docs/web.md)."""

from __future__ import annotations

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.dispatcher import OutboxDispatcher
from engine.peers.fake_dvcqg import FakeDvcqg
from storage.statuses import OutboxState
from tests.conftest import failing_on_5xx
from tests.outbox.support import accepted_dossiers, by_state, messages
from tests.outbox.test_operations import _kill_first
from tests.pages.browsing import Browser
from tests.support import HttpApi
from web import create_app

PATH = "/can-bo/quan-tri/hop-thu-di"


def test_an_administrator_sees_the_parked_messages_and_retries_one(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    [code] = accepted_dossiers(http, 1)
    dead_id = _kill_first(ctx, clock, peer)
    with failing_on_5xx(create_app(context=ctx)) as app:
        browser = Browser(app.test_client())
        browser.login("admin")
        page = browser.get(PATH)
        assert "1 tin." in page.text()
        row = page.text("//table/tbody/tr")
        assert code in row and "dvcqg" in row and "503" in row
        assert "Nguyễn" not in page.html  # payloads are not shown
        browser.post(f"{PATH}/{dead_id}/gui-lai", {}, csrf_from=PATH, expect=302)
        page = browser.get(PATH)
        assert f"Đã đưa tin số {dead_id} vào hàng gửi lại." in page.text()
        assert "0 tin." in page.text()
        assert code in browser.get(f"{PATH}?trang_thai=pending").text("//table")
        with OutboxDispatcher(ctx) as dispatcher:
            dispatcher.drain()
        assert by_state(ctx) == {OutboxState.DELIVERED: len(messages(ctx))}
        browser.post(f"{PATH}/{dead_id}/gui-lai", {}, csrf_from=PATH, expect=302)
        assert "Tin này đã được gửi; không cần gửi lại." in browser.get(PATH).text()
        browser.post(f"{PATH}/999999/gui-lai", {}, csrf_from=PATH, expect=404)
        assert browser.get(f"{PATH}?trang_thai=lost&trang=-1").status == 200
