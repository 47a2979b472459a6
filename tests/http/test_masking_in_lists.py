"""Lists and the public lookup never carry an applicant's identifiers in full (SEC-5); detail
views show them to those allowed to read the dossier."""

from __future__ import annotations

from tests.support import HttpApi, applicant

PERSONAL = (
    applicant()["full_name"],
    applicant()["id_number"],
    applicant()["phone"],
    applicant()["email"],
    applicant()["address"],
)


def test_no_list_carries_an_identifier_in_full(http: HttpApi) -> None:
    code = http.submit()["code"]
    listed = {
        "my dossiers": http.call("GET", "/api/v1/dossiers", "citizen"),
        "unit dossiers": http.call("GET", "/api/v1/dossiers", "reception"),
        "all dossiers": http.call("GET", "/api/v1/dossiers", "auditor"),
        "inbox": http.tasks("reception"),
        "files": http.call("GET", f"/api/v1/dossiers/{code}/files", "reception"),
        "public lookup": http.call(
            "GET",
            f"/api/v1/public/dossiers/{code}",
            None,
            query={"id_number": applicant()["id_number"]},
        ),
    }
    for name, body in listed.items():
        text = str(body)
        assert not [value for value in PERSONAL if value in text], name
    assert listed["unit dossiers"]["items"][0]["applicant_name"] == "N***** V** A*"
    detail = http.dossier(code, "reception")
    assert detail["applicant"]["id_number"] == applicant()["id_number"]
