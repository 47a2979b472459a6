"""The public statistics page (Circular 32/2017 art. 11): per online service and per unit, the
same figures as `GET /api/v1/public/statistics`, as SVG bars and as tables; a year selector."""

from __future__ import annotations

from tests.pages.browsing import Browser
from tests.pages.test_my_dossiers import returned
from tests.support import HttpApi

REISSUE = "Cấp lại, đổi thẻ bảo hiểm y tế"


def cells(browser: Browser, path: str, table: str) -> dict[str, list[str]]:
    page = browser.get(path)
    return {
        " ".join(tr.xpath("th")[0].text_content().split()): [
            " ".join(td.text_content().split()) for td in tr.xpath("td")
        ]
        for tr in page.all(f"//table[@aria-labelledby='{table}']/tbody/tr")
    }


def test_the_page_shows_the_api_s_figures_per_service_and_per_unit(
    browser: Browser, http: HttpApi
) -> None:
    code = returned(http)
    http.submit()
    http.call(
        "POST",
        f"/api/v1/dossiers/{code}/rating",
        "citizen",
        json={"ratings": {"overall": "very_satisfied"}},
        expect=201,
    )
    api = http.call(
        "GET", "/api/v1/public/statistics", None, query={"procedure": "cap_lai_the_bhyt"}
    )
    services = cells(browser, "/thong-ke", "theo-dich-vu")
    assert services[REISSUE] == [
        str(api["online_received"]),
        str(api["online_resolved"]),
        str(api["resolved"]),
        "100 %",
        "100 % (1 lượt)",
    ]
    assert api["online_received"] == 2 and api["resolved"] == 1
    units = cells(browser, "/thong-ke", "theo-don-vi")
    assert units["BHXH quận Ba Đình"][:3] == ["2", "1", "1"]
    page = browser.get("/thong-ke")
    bars = page.all("//figure//rect[@class='chart__bar']/@width")
    assert "100.0%" in bars
    labels = [" ".join(s.text_content().split()) for s in page.all("//figure//li/span")]
    assert f"{REISSUE}: 2" in labels and f"{REISSUE}: 100 %" in labels  # the bars in words
    assert "style=" not in page.html


def test_the_year_selector_shows_another_year_and_ignores_nonsense(
    browser: Browser, http: HttpApi
) -> None:
    returned(http)
    page = browser.get("/thong-ke")
    years = page.all("//select[@name='nam']/option/@value")
    assert years[:2] == ["2026", "2025"] and len(years) == 5
    assert cells(browser, "/thong-ke?nam=2025", "theo-dich-vu")[REISSUE][0] == "0"
    browser.get("/thong-ke?nam=2026%00", expect=400)  # NUL is refused before any view
    for nonsense in ("1999", "abc", "9" * 50):
        page = browser.get(f"/thong-ke?nam={nonsense}")
        assert "năm 2026" in page.text("//p[@class='lead']")
