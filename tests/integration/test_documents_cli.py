"""`motcua documents render|verify|dev-ca|forms`: files in, files out, no database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from api.cli import main
from tests.documents_support import FIXTURES, texts

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["documents", *args], env=env, catch_exceptions=False)


def test_render_sign_and_verify_from_the_command_line(tmp_path: Path) -> None:
    made = _run("dev-ca", "--out", str(tmp_path / "ca"), "--unit", "000.00.07.H29=BHXH Ba Đình")
    assert made.exit_code == 0, made.output
    assert "DEVELOPMENT" in made.output
    pdf, html = tmp_path / "mau_01.pdf", tmp_path / "mau_01.html"
    rendered = _run(
        "render", "mau_01", str(FIXTURES / "mau_01.json"), "-o", str(pdf), "--html", str(html),
        "--sign-with", str(tmp_path / "ca" / "000.00.07.H29.p12"),
    )  # fmt: skip
    assert rendered.exit_code == 0, rendered.output
    assert "signed" in rendered.output
    assert all("Nguyễn Thị Hường" in text for text in texts(pdf.read_bytes()))
    assert "Nguyễn Thị Hường" in html.read_text(encoding="utf-8")

    root = str(tmp_path / "ca" / "root-ca.pem")
    checked = _run("verify", str(pdf), "--trust-root", root)
    assert checked.exit_code == 0, checked.output
    assert "VALID" in checked.output and "000.00.07.H29" in checked.output
    assert "DEVELOPMENT" in checked.output

    data = bytearray(pdf.read_bytes())
    data[len(data) // 4] ^= 0x01
    pdf.write_bytes(bytes(data))
    tampered = _run("verify", str(pdf), "--trust-root", root)
    assert tampered.exit_code == 1
    assert "NOT VALID" in tampered.output
    assert "changed after signing" in tampered.output


def test_bad_data_names_each_field_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"unit_name": 5, "surprise": "x"}', encoding="utf-8")
    result = _run("render", "mau_01", str(bad), "-o", str(tmp_path / "out.pdf"))
    assert result.exit_code == 1
    assert "unit_name: must be text" in result.output
    assert "surprise: is not a field of this form" in result.output
    assert not (tmp_path / "out.pdf").exists()
    for not_json in ("{not json", "[" * 100_000):
        bad.write_text(not_json, encoding="utf-8")
        assert _run("render", "mau_01", str(bad), "-o", str(tmp_path / "o.pdf")).exit_code == 2


def test_a_wrong_passphrase_and_a_bad_trust_root_are_clear_errors(tmp_path: Path) -> None:
    _run("dev-ca", "--out", str(tmp_path / "ca"))
    signed_with_secret = _run(
        "render", "mau_03", str(FIXTURES / "mau_03.json"), "-o", str(tmp_path / "x.pdf"),
        "--sign-with", str(tmp_path / "ca" / "000.00.07.H29.p12"), "--passphrase-env", "P12_PASS",
        env={"P12_PASS": "not-the-passphrase"},
    )  # fmt: skip
    assert signed_with_secret.exit_code == 1
    assert "wrong passphrase" in signed_with_secret.output
    not_pem = tmp_path / "root.pem"
    not_pem.write_text("hello", encoding="utf-8")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.7\n")
    result = _run("verify", str(tmp_path / "doc.pdf"), "--trust-root", str(not_pem))
    assert result.exit_code == 1
    assert "root.pem: not a PEM certificate file" in result.output


def test_forms_lists_the_catalogue() -> None:
    result = _run("forms")
    assert result.exit_code == 0
    for form in ("mau_01", "mau_07", "quyet_dinh", "thong_bao"):
        assert form in result.output


def test_other_commands_do_not_load_the_document_libraries() -> None:
    """Typst and pyHanko take seconds to import on a busy machine: `motcua serve` must not wait."""
    probe = "import sys, api.cli; print(sorted({'typst', 'pyhanko'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
