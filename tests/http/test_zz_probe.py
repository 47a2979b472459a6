from __future__ import annotations
import jwt
from flask import Flask
from tests.support import HttpApi

BIG = str(2**63)

def test_probe(app: Flask, http: HttpApi) -> None:
    app.config["TESTING"] = False
    c = app.test_client()
    tok = http.token("admin")
    auditor = http.token("auditor")
    h = {"Authorization": f"Bearer {tok}"}
    ha = {"Authorization": f"Bearer {auditor}"}
    urls = [
        ("GET", f"/api/v1/definitions/cap_lai_the_bhyt/versions/{BIG}", h),
        ("GET", f"/api/v1/definitions/cap_lai_the_bhyt/versions/{BIG}/diagram.svg", h),
        ("GET", f"/api/v1/definitions/cap_lai_the_bhyt/diff?from={BIG}&to=1", h),
        ("GET", f"/api/v1/definitions/cap_lai_the_bhyt/diff?from=1&to={BIG}", h),
        ("GET", f"/api/v1/dossiers?page={BIG}", ha),
        ("GET", f"/api/v1/dossiers?page=5&colour=1", ha),
        ("GET", f"/api/v1/calendar?year={BIG}", h),
        ("GET", f"/api/v1/calendar?version={BIG}", h),
        ("GET", f"/api/v1/audit/dossiers/x/replay?until={BIG}", ha),
        ("GET", f"/api/v1/tasks?page={BIG}", ha),
        ("GET", f"/api/v1/tasks/{BIG}", ha),
        ("GET", f"/api/v1/procedures?colour=1", None),
        ("GET", f"/api/v1/units?colour=1", None),
        ("GET", f"/api/v1/admin/users?colour=1", h),
        ("GET", f"/api/v1/audit/public-key?colour=1", ha),
    ]
    for m, u, hh in urls:
        r = c.open(u, method=m, headers=hh or {})
        print(m, u, r.status_code, r.get_data(as_text=True)[:150])
    from engine.settings import Settings
    secret = app.extensions["motcua"].settings.secret_key
    for sub in (BIG, str(2**64), "-" + BIG, "abc"):
        t = jwt.encode({"sub": sub, "iat": 1773108000, "exp": 1873108000, "iss": "motcua"}, secret, algorithm="HS256")
        r = c.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {t}"})
        print("sub", sub, r.status_code, r.get_data(as_text=True)[:150])
