"""Mẫu 06 (phiếu kiểm soát quá trình giải quyết hồ sơ) from the recorded events: each handover
names who gave the dossier and who received it; the slip and a document's HTML view are cached
and rendering on demand is limited per user (issue 14)."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from typing import Any

from flask import Flask

from api import create_app
from engine.clock import FrozenClock
from engine.context import EngineContext
from tests.documents_support import flat, texts
from tests.http.test_issued_documents import act_on, documents_of, move, raw
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, RETURN, UNIT, HttpApi, at

UNIT_NAME = "BHXH quận Ba Đình"


class _Cells(HTMLParser):
    """The cells of the body rows of the first table, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def slip_rows(http: HttpApi, code: str, user: str = "reception") -> list[list[str]]:
    """Each handover of the slip's HTML view: giver, receiver, time, result (TT and note left
    out)."""
    response = raw(http, f"/api/v1/dossiers/{code}/control-slip", user, accept="text/html")
    assert response.status_code == 200, response.get_json()
    parser = _Cells()
    parser.feed(response.get_data(as_text=True))
    return [row[1:5] for row in parser.rows]


def test_the_slip_names_each_giver_and_receiver_from_the_recorded_events(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    # Officers print by their full names (the test accounts' are their usernames, capitalised).
    move(http, clock, at(10))
    code = str(http.submit()["code"])  # online, by the applicant
    http.act(code, "reception", ACCEPT)
    # Handed to the specialists; nobody has taken it yet.
    assert slip_rows(http, code)[1] == [
        f"Reception | {UNIT_NAME}",
        f"Chuyên viên (chưa nhận) | {UNIT_NAME}",
        "09:00 10/03/2026",
        "Đang giải quyết",
    ]
    move(http, clock, at(11, 10))
    [task] = http.tasks("specialist", dossier=code)["items"]
    http.claim(task["id"], "specialist")
    assert slip_rows(http, code)[1][1] == f"Specialist | {UNIT_NAME}"
    http.call("POST", f"/api/v1/tasks/{task['id']}/release", "specialist")
    assert slip_rows(http, code)[1][1] == f"Chuyên viên (chưa nhận) | {UNIT_NAME}"
    assign = {"officer": "specialist"}
    http.call("POST", f"/api/v1/tasks/{task['id']}/assign", "leader", json=assign)
    assert slip_rows(http, code)[1][1] == f"Specialist | {UNIT_NAME}"  # given by the leader
    http.complete(task["id"], "specialist", APPRAISE)
    move(http, clock, at(12, 14))
    act_on(http, code, "leader", "approve_result", LEADER_APPROVE)
    move(http, clock, at(13, 8))
    act_on(http, code, "reception2", "return_result", RETURN)
    assert slip_rows(http, code) == [
        [
            "Nguyễn Văn An | Cá nhân, tổ chức",
            f"Reception | {UNIT_NAME}",
            "09:00 10/03/2026",
            "Trước hạn",
        ],
        [f"Reception | {UNIT_NAME}", f"Specialist | {UNIT_NAME}", "09:00 10/03/2026", "Trước hạn"],
        [f"Specialist | {UNIT_NAME}", f"Leader | {UNIT_NAME}", "10:00 11/03/2026", "Đúng hạn"],
        [f"Leader | {UNIT_NAME}", f"Reception2 | {UNIT_NAME}", "14:00 12/03/2026", "Trước hạn"],
        [
            f"Reception2 | {UNIT_NAME}",
            "Nguyễn Văn An | Cá nhân, tổ chức",
            "08:00 13/03/2026",
            "Trước hạn",
        ],
    ]
    pdf = raw(http, f"/api/v1/dossiers/{code}/control-slip", "leader")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    printed = flat(texts(pdf.data)[0])
    for name in ("Reception2", "Nguyễn Văn An", "Cá nhân, tổ chức", "Trước hạn"):
        assert name in printed


def test_the_slip_and_html_views_are_cached_until_the_dossier_moves(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    [receipt] = documents_of(http, code)
    path = f"/api/v1/dossiers/{code}/control-slip"
    renders = ctx.renders
    first = raw(http, path, "reception").data
    assert (renders.hits, renders.misses) == (0, 1)
    # Reading logs an event, yet the next read is the same slip, served without rendering.
    assert raw(http, path, "specialist").data == first
    assert (renders.hits, renders.misses) == (1, 1)
    [task] = http.tasks("specialist", dossier=code)["items"]
    http.claim(task["id"], "specialist")  # an event: the slip may say something new
    assert raw(http, path, "reception").data != first
    assert (renders.hits, renders.misses) == (1, 2)
    move(http, clock, at(11))  # the next day prints another date
    raw(http, path, "reception")
    assert (renders.hits, renders.misses) == (1, 3)
    # An issued document's HTML view never changes: rendered once.
    view = f"/api/v1/dossiers/{code}/documents/{receipt['id']}"
    pages = {raw(http, view, u, accept="text/html").data for u in ("citizen", "reception")}
    assert len(pages) == 1 and (renders.hits, renders.misses) == (2, 4)
    # Every read is still authorised and logged, hit or miss.
    assert raw(http, path, "reception_other").status_code == 403
    with ctx.uow(write=False) as uow:
        reads = [
            e.payload.get("what")
            for e in uow.events.for_chain(f"dossier:{code}")
            if e.type == "dossier_read"
        ]
    assert reads.count("control_slip") == 4 and reads.count("document") == 1  # not the applicant


def _limited_app(ctx: EngineContext, limit: str) -> Flask:
    ctx.settings = dataclasses.replace(ctx.settings, ratelimit_render=limit)
    return create_app(context=ctx)


def test_rendering_on_demand_is_limited_per_user(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    [receipt] = documents_of(http, code)
    client = _limited_app(ctx, "7/minute").test_client()

    def get(path: str, user: str, accept: str = "application/pdf") -> int:
        headers = {"Authorization": f"Bearer {http.token(user)}", "Accept": accept}
        return client.get(path, headers=headers).status_code

    slip = f"/api/v1/dossiers/{code}/control-slip"
    book = f"/api/v1/units/{UNIT}/tracking-book?from=2026-03-01&to=2026-03-31"
    view = f"/api/v1/dossiers/{code}/documents/{receipt['id']}"
    # One budget across the rendering endpoints: the slip (1), the book (5), an HTML view (1).
    assert [
        get(slip, "reception"),
        get(book, "reception"),
        get(view, "reception", "text/html"),
    ] == [
        200,
        200,
        200,
    ]
    refused = client.get(slip, headers={"Authorization": f"Bearer {http.token('reception')}"})
    assert refused.status_code == 429 and refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    assert get(view, "reception", "text/html") == 429
    # What does not render stays available; other users have their own budget.
    assert get(view, "reception") == 200  # the stored PDF
    assert get(f"/api/v1/dossiers/{code}/documents", "reception") == 200
    assert get(slip, "reception2") == 200
    assert get(slip, "auditor") == 200
