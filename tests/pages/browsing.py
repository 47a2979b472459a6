"""A test client for the web pages that reads them as a person would: the HTML parsed (lxml),
forms posted with the CSRF token the page carries, logins through the login form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import lxml.html
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support import DEMO_PASSWORD


@dataclass
class Page:
    status: int
    html: str
    headers: dict[str, str]

    @classmethod
    def of(cls, response: TestResponse) -> Page:
        return cls(response.status_code, response.get_data(as_text=True), dict(response.headers))

    @property
    def tree(self) -> Any:
        return lxml.html.fromstring(self.html)

    def text(self, xpath: str = "//main") -> str:
        """The visible text under the first match, whitespace collapsed."""
        found = self.tree.xpath(xpath)
        assert found, f"nothing matches {xpath}"
        return " ".join(found[0].text_content().split())

    def all(self, xpath: str) -> list[Any]:
        return list(self.tree.xpath(xpath))

    def csrf_token(self) -> str:
        tokens = self.tree.xpath("//input[@name='csrf_token']/@value")
        assert tokens, "the page has no form with a CSRF token"
        return str(tokens[0])

    def error_summary(self) -> list[str]:
        return [" ".join(a.text_content().split()) for a in self.all("//*[@data-error-summary]//a")]

    def field_error(self, field_id: str) -> str | None:
        found = self.all(f"//*[@id='{field_id}-error']")
        return " ".join(found[0].text_content().split()).removeprefix("Lỗi: ") if found else None


class Browser:
    """One visitor (one cookie jar) on the web app."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, path: str, expect: int | None = 200) -> Page:
        page = Page.of(self.client.get(path))
        if expect is not None:
            assert page.status == expect, (page.status, page.html[:2000])
        return page

    def post(
        self,
        path: str,
        data: dict[str, Any],
        *,
        expect: int | None = None,
        csrf_from: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Page:
        """Post as the page's form would: with the CSRF token of `csrf_from` (default: `path`)."""
        token = self.get(csrf_from or path).csrf_token()
        page = Page.of(self.client.post(path, data={"csrf_token": token, **data}, headers=headers))
        if expect is not None:
            assert page.status == expect, (page.status, page.html[:2000])
        return page

    def login(self, username: str, password: str = DEMO_PASSWORD, expect: int = 302) -> Page:
        return self.post("/dang-nhap", {"username": username, "password": password}, expect=expect)

    def session_cookie(self) -> str | None:
        cookie = self.client.get_cookie("motcua_session")
        return cookie.value if cookie is not None else None


def asset_urls(html: str) -> list[str]:
    """Every URL a page loads or links to as a resource (scripts, styles, icons, images)."""
    tree = lxml.html.fromstring(html)
    urls = tree.xpath("//script/@src | //link/@href | //img/@src | //source/@src")
    styles = re.findall(r"url\(([^)]+)\)", html)
    return [str(u) for u in urls] + styles
