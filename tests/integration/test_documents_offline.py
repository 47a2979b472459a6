"""Rendering (Typst, native code), signing and verifying work with no network at all.

The socket guard in test_documents_signing.py catches Python code reaching out; this runs the
whole pipeline in a process whose network namespace has no interface but a down loopback, so
native code could not reach anything either.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
from engine.documents import render, sign, verify
from tests.documents_support import FORMS, RESULTS, sample, trust_roots, unit_signer
for form in FORMS + RESULTS:
    document = render(form, sample(form))
    result = verify(sign(document.pdf, unit_signer()), trust_roots())
    assert result.valid, (form, result.problems)
print("offline ok")
"""


def _isolation() -> list[str] | None:
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False)
    return [unshare, "-rn"] if probe.returncode == 0 else None


def test_issue_and_verify_every_form_without_a_network() -> None:
    isolation = _isolation()
    if isolation is None:
        pytest.skip("unshare -rn (a private network namespace) is not available here")
    completed = subprocess.run(
        [*isolation, sys.executable, "-c", SCRIPT],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "offline ok" in completed.stdout
