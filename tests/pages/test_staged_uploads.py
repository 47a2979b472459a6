"""What a citizen sees of the staged-upload quota and of the sweep on "Nộp hồ sơ trực tuyến"
(test client, no JavaScript): a refusal on the file field, never a 500; a file taken back frees
the quota; a file swept while the draft was open is named, to upload again."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.services import staging
from engine.settings import Settings
from tests.conftest import make_settings
from tests.pages.browsing import Browser, Page
from tests.pages.test_submission import PATH, filled, form_fields, post


def pdf(tag: str) -> bytes:
    return b"%PDF-1.4\n% " + tag.encode() + b"\n%%EOF\n"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "var", database_url, MOTCUA_STAGED_MAX_FILES="2")


def upload(browser: Browser, page: Page, *tags: str) -> Page:
    files = [(io.BytesIO(pdf(tag)), f"{tag}.pdf") for tag in tags]
    return post(browser, page, {"_step": "upload", "_files": files})


def staged_files(ctx: EngineContext) -> int:
    """How many files the citizen's account has staged and not attached."""
    with ctx.uow(write=False) as uow:
        user = uow.users.by_username("citizen")
        assert user is not None
        return uow.staged.usage(user.id)[0]


def test_an_upload_over_the_quota_is_refused_on_the_file_field(
    browser: Browser, ctx: EngineContext
) -> None:
    browser.login("citizen")
    start = browser.get(PATH)
    page = upload(browser, start, "giay-to-1", "giay-to-2", "giay-to-3")

    assert page.status == 422
    message = page.field_error("_files") or ""
    assert "“giay-to-3.pdf” chưa được lưu" in message
    assert "đang có 2 tệp" in message and "tối đa 2 tệp" in message
    assert "tự động xoá sau 24 giờ" in message
    assert any("giay-to-3.pdf" in m for m in page.error_summary())
    # The two within the quota stay with the draft.
    assert "giay-to-1.pdf" in page.text() and "giay-to-2.pdf" in page.text()
    assert staged_files(ctx) == 2

    # Taking one back frees its place at once.
    removed = post(
        browser, page, {"_step": f"remove:{hashlib.sha256(pdf('giay-to-1')).hexdigest()}"}
    )
    assert removed.status == 200 and "giay-to-1.pdf" not in removed.text()
    again = upload(browser, removed, "giay-to-3")
    assert again.status == 200 and "giay-to-3.pdf" in again.text()
    assert staged_files(ctx) == 2


def test_submitting_frees_the_quota_for_the_next_dossier(
    browser: Browser, ctx: EngineContext
) -> None:
    browser.login("citizen")
    start = browser.get(PATH)
    uploaded = upload(browser, start, "a", "b")
    review = post(browser, uploaded, {**filled(), "_step": "review"})
    assert review.status == 200
    submitted = browser.client.post(PATH, data={**form_fields(review), "_step": "submit"})
    assert submitted.status_code == 302
    done = browser.get(submitted.headers["Location"])
    assert sorted(done.all("//*[@data-sha256]/text()")) == sorted(
        hashlib.sha256(pdf(t)).hexdigest() for t in ("a", "b")
    )
    assert staged_files(ctx) == 0
    assert upload(browser, browser.get(PATH), "c", "d").status == 200


def test_a_file_swept_while_the_draft_was_open_is_named_to_upload_again(
    browser: Browser, ctx: EngineContext, clock: FrozenClock
) -> None:
    browser.login("citizen")
    start = browser.get(PATH)
    uploaded = upload(browser, start, "cu")
    clock.advance(timedelta(hours=25))
    assert staging.sweep_staged_uploads(ctx) == 1
    # The next day, signed in again, the citizen posts the page still open (each step signs the
    # draft again, so a draft worked on over a day is still valid): its file is gone.
    browser.login("citizen")
    csrf = browser.get(PATH).csrf_token()
    review = post(browser, uploaded, {**filled(), "_step": "review", "csrf_token": csrf})
    assert review.status == 200
    refused = browser.client.post(PATH, data={**form_fields(review), "_step": "submit"})

    assert refused.status_code == 422
    page = Page.of(refused)
    assert "“cu.pdf” đã quá thời hạn lưu tạm" in (page.field_error("_files") or "")
    assert page.all("//main//table//td[contains(., 'cu.pdf')]") == []  # gone from the draft
    fixed = upload(browser, page, "cu")
    assert fixed.status == 200 and "cu.pdf" in fixed.text()
