"""What issuing a document of record costs: render (Typst), sign (PAdES), verify, and sizes.

Not part of the tests; prints markdown tables. No database.

    .venv/bin/python bench/documents.py                 # 200 rounds of each form
    .venv/bin/python bench/documents.py --rounds 50 --form mau_01

"issue" is what the workflow step will do: check the data, render the PDF and the HTML view,
sign the PDF. Its parts are timed on their own to show each floor. Wall time depends on what
else the shared machine runs; CPU time (this process) is the steadier figure.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pypdf import PdfReader  # noqa: E402
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject  # noqa: E402

from bench.load import percentile  # noqa: E402
from engine.documents import (  # noqa: E402
    UnitSigner,
    create_development_ca,
    load_trust_roots,
    render,
    sign,
    verify,
)
from engine.documents.rendering import _compiler, form_spec  # noqa: E402
from engine.documents.values import check  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "documents"
FORMS = ("mau_01", "mau_02", "mau_03", "mau_04", "mau_05", "mau_06", "mau_07")
RESULTS = ("quyet_dinh", "thong_bao")
ISSUED = datetime(2026, 12, 2, 12, tzinfo=timezone(timedelta(hours=7)))


def _timed(rounds: int, action: Callable[[], object]) -> tuple[list[float], list[float]]:
    action()  # warm: fonts, templates, the signer's reservation
    wall, cpu = [], []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        action()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return wall, cpu


def _issue(form: str, data: dict[str, Any], signer: UnitSigner) -> bytes:
    """What the workflow step will do: check, render PDF and HTML, sign."""
    return sign(render(form, data).pdf, signer)


def _font_bytes(pdf: bytes) -> int:
    total = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"])
        for font in cast(DictionaryObject, resources["/Font"]).values():
            descendant = cast(DictionaryObject, font.get_object())["/DescendantFonts"]
            cid_font = cast(DictionaryObject, cast(ArrayObject, descendant)[0].get_object())
            descriptor = cast(DictionaryObject, cid_font["/FontDescriptor"].get_object())
            for key in ("/FontFile2", "/FontFile3"):
                if key in descriptor:
                    stream = cast(StreamObject, descriptor[key].get_object())
                    total += len(stream._data)  # compressed, as stored
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--form", action="append", choices=FORMS + RESULTS)
    args = parser.parse_args()
    forms = tuple(args.form or FORMS + RESULTS)

    ca = create_development_ca(
        [("000.00.07.H29", "Bảo hiểm xã hội quận Ba Đình")], datetime.now(UTC)
    )
    signer = UnitSigner.from_pkcs12(ca.unit_pkcs12["000.00.07.H29"])
    roots = load_trust_roots(ca.root_pem)
    compiler = _compiler()

    print(f"rounds per form: {args.rounds}; times in ms, p50 / p95 (CPU p50)\n")
    print("| form | check | PDF (Typst) | HTML (Typst) | sign | issue = all four | verify |")
    print("|---|---|---|---|---|---|---|")
    sizes: list[tuple[str, int, int, int, int]] = []
    issue_wall: list[float] = []
    for form in forms:
        data: dict[str, Any] = json.loads((FIXTURES / f"{form}.json").read_text("utf-8"))
        spec = form_spec(form)
        checked = check(form, data, spec.fields)
        payload = json.dumps(checked, ensure_ascii=False)
        unsigned = render(form, data)
        signed = sign(unsigned.pdf, signer)
        parts: dict[str, Callable[[], object]] = {
            "check": partial(check, form, data, spec.fields),
            "pdf": partial(compiler.compile, spec, payload, "pdf", ISSUED),
            "html": partial(compiler.compile, spec, payload, "html", ISSUED),
            "sign": partial(sign, unsigned.pdf, signer),
            "issue": partial(_issue, form, data, signer),
            "verify": partial(verify, signed, roots),
        }
        cells = []
        for name, action in parts.items():
            wall, cpu = _timed(args.rounds, action)
            if name == "issue":
                issue_wall += wall
            cells.append(
                f"{percentile(wall, 50):.1f} / {percentile(wall, 95):.1f} "
                f"({percentile(cpu, 50):.1f})"
            )
        print(f"| {form} | " + " | ".join(cells) + " |")
        sizes.append(
            (form, len(unsigned.pdf), len(signed), _font_bytes(unsigned.pdf), len(unsigned.html))
        )
    print(
        f"\nissue, all forms: p50 {percentile(issue_wall, 50):.1f} ms, "
        f"p95 {percentile(issue_wall, 95):.1f} ms\n"
    )
    print("| form | PDF unsigned | PDF signed | of which fonts | HTML view |")
    print("|---|---|---|---|---|")
    for form, pdf, signed_size, fonts, html in sizes:
        print(f"| {form} | {pdf:,} B | {signed_size:,} B | {fonts:,} B | {html:,} B |")


if __name__ == "__main__":
    main()
