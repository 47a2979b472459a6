"""Front-end assets are served from this server only, from an allow-list, with versioned URLs and
long cache headers; a page with its assets stays under 200 KB transferred."""

from __future__ import annotations

import gzip

import pytest
from flask import Flask

from tests.pages.browsing import Browser, asset_urls
from web.assets import CACHE_CONTROL, VENDOR_FILES, AssetManifest

PAGE_BUDGET_BYTES = 200 * 1024


def every_page(browser: Browser) -> list[str]:
    """The HTML of every page there is, as anonymous visitor, citizen and officer."""
    found = [browser.get(path).html for path in ("/", "/?q=the", "/tra-cuu", "/dang-nhap")]
    found += [browser.get("/thu-tuc/cap_lai_the_bhyt").html, browser.get("/x", expect=404).html]
    found.append(browser.post("/tra-cuu", {"code": "", "id_number": ""}, expect=422).html)
    for user, path in (("citizen", "/ho-so-cua-toi"), ("reception", "/can-bo")):
        visitor = Browser(browser.client.application.test_client())
        visitor.login(user)
        found.append(visitor.get(path).html)
    return found


def test_every_asset_of_every_page_is_local_and_cached_for_a_year(browser: Browser) -> None:
    urls = {url for html in every_page(browser) for url in asset_urls(html)}
    assert urls
    for url in urls:
        assert url.startswith("/assets/"), url  # no CDN, no other host
        response = browser.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == CACHE_CONTROL


@pytest.mark.parametrize(
    "path",
    [
        "/assets/{v}/vendor/../package.json",
        "/assets/{v}/../package.json",
        "/assets/{v}/htmx.org/dist/htmx.js",  # in node_modules, but not allow-listed
        "/assets/0000000000/css/motcua.css",  # an old version
        "/assets/{v}/css/nope.css",
    ],
)
def test_only_allow_listed_files_of_this_version_are_served(web_app: Flask, path: str) -> None:
    version = web_app.extensions["motcua_assets"].version
    assert web_app.test_client().get(path.format(v=version)).status_code == 404


def test_text_assets_are_sent_compressed_to_browsers_that_accept_it(browser: Browser) -> None:
    url = browser.client.application.extensions["motcua_assets"].url("vendor/htmx.min.js")
    plain = browser.client.get(url)
    packed = browser.client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_a_portal_page_with_its_assets_weighs_under_200_kb(browser: Browser) -> None:
    for html in every_page(browser):
        total = len(html.encode())
        for url in set(asset_urls(html)):
            total += len(browser.client.get(url, headers={"Accept-Encoding": "gzip"}).data)
        assert total < PAGE_BUDGET_BYTES, total


def test_the_server_refuses_to_start_without_the_front_end_packages(tmp_path: object) -> None:
    from pathlib import Path

    from engine.settings import SettingsError

    with pytest.raises(SettingsError, match="npm ci"):
        AssetManifest.build(node_modules=Path(str(tmp_path)))
    assert set(VENDOR_FILES) >= {"vendor/htmx.min.js", "vendor/bpmn-js/bpmn-navigated-viewer.js"}
