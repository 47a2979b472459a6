"""Each unit's signing key for documents of record (issue 14): the signer port and its two kinds.

- Development (`motcua demo`, `make run`, tests): a local development CA in
  `var/documents-ca/` (root certificate and key, one `<unit code>.p12` per unit), made when
  first needed; a unit created later gets its certificate from the same root.
- Production (`MOTCUA_ENV=production`): `MOTCUA_DOCUMENT_KEYS_DIR` holds one `<unit code>.p12`
  per unit from a licensed CA, `MOTCUA_DOCUMENT_KEY_PASSPHRASE` their passphrase (if any), and
  `MOTCUA_DOCUMENT_TRUST_ROOTS` the PEM file of that CA's roots. `check_production` refuses to
  start when any of them is missing, unreadable, or a development certificate.

A unit's `UnitSigner` is loaded once per process (building one costs ~30 ms). engine.documents
(Typst, pyHanko) is imported only when a document is first signed or verified.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from engine.settings import Settings, SettingsError

if TYPE_CHECKING:
    from engine.documents import UnitSigner
    from engine.documents.certificates import Certificate

DEVELOPMENT_CA_DIR = "documents-ca"
PASSPHRASE_VARIABLE = "MOTCUA_DOCUMENT_KEY_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)


class DocumentSigners(Protocol):
    """The signer port: a unit's signing credentials, and the roots that verify them."""

    def signer_for(self, unit_code: str, unit_name: str, now: datetime) -> UnitSigner: ...
    def trust_roots(self) -> Sequence[Certificate]: ...


class DevelopmentSigners:
    """Keys from the local development CA under `directory`, made on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._signers: dict[str, UnitSigner] = {}
        self._lock = threading.Lock()

    def signer_for(self, unit_code: str, unit_name: str, now: datetime) -> UnitSigner:
        signer = self._signers.get(unit_code)
        if signer is not None:
            return signer
        from engine.documents import UnitSigner

        with self._lock:
            path = self._key_file(unit_code, unit_name, now)
            signer = UnitSigner.from_pkcs12(path.read_bytes())
            self._signers[unit_code] = signer
            return signer

    def _key_file(self, unit_code: str, unit_name: str, now: datetime) -> Path:
        """The unit's PKCS#12 file, made on first use (several processes may race here: the
        first file written wins)."""
        from engine.documents import pkcs12_path
        from engine.documents.certificates import (
            development_root,
            development_unit_pkcs12,
            write_once,
        )

        path = pkcs12_path(self.directory, unit_code)
        if not path.is_file():
            root_key, root = development_root(self.directory, now)
            write_once(path, development_unit_pkcs12(root_key, root, unit_code, unit_name, now))
        return path

    def trust_roots(self) -> Sequence[Certificate]:
        from engine.documents import load_trust_roots
        from engine.documents.certificates import ROOT_FILE

        path = self.directory / ROOT_FILE
        return load_trust_roots(path.read_bytes(), str(path)) if path.is_file() else []

    def check_production(self, unit_codes: Iterable[str]) -> None:
        raise SettingsError(
            f"{MISSING_KEYS} (the development CA in {self.directory} is configured)"
        )

    def prepare(self, units: Iterable[tuple[str, str]], now: datetime) -> Path:
        """Make the CA and each unit's key now (`motcua demo`); return the root's path."""
        from engine.documents.certificates import ROOT_FILE

        for code, name in units:
            self._key_file(code, name, now)  # files only: loading a signer is for issuing
        return self.directory / ROOT_FILE


class ConfiguredSigners:
    """Production keys: `<unit code>.p12` files in a directory, checked by `check_production`."""

    def __init__(self, directory: Path, roots_file: Path, passphrase: str | None) -> None:
        self.directory = directory
        self.roots_file = roots_file
        self._passphrase = passphrase.encode() if passphrase else None
        self._signers: dict[str, UnitSigner] = {}
        self._roots: Sequence[Certificate] | None = None

    def signer_for(self, unit_code: str, unit_name: str, now: datetime) -> UnitSigner:
        signer = self._signers.get(unit_code)
        if signer is None:
            signer = self._load(unit_code)
            self._signers[unit_code] = signer
        return signer

    def trust_roots(self) -> Sequence[Certificate]:
        if self._roots is None:
            from engine.documents import load_trust_roots

            self._roots = load_trust_roots(self.roots_file.read_bytes(), str(self.roots_file))
        return self._roots

    def _load(self, unit_code: str) -> UnitSigner:
        from engine.documents import SigningKeyError, UnitSigner, pkcs12_path

        path = pkcs12_path(self.directory, unit_code)
        if not path.is_file():
            raise SigningKeyError(f"no signing key for unit {unit_code}: {path} is missing")
        try:
            signer = UnitSigner.from_pkcs12(path.read_bytes(), self._passphrase)
        except SigningKeyError as exc:
            raise SigningKeyError(f"{path}: {exc.detail}") from exc
        if signer.is_development:
            raise SigningKeyError(f"{path} is a development certificate")
        return signer

    def check_production(self, unit_codes: Iterable[str]) -> None:
        """Refuse to start (SettingsError) unless every unit's key and the trust roots load and
        none is a development certificate."""
        from engine.documents import is_development_certificate
        from engine.errors import EngineError

        if not self.directory.is_dir():
            raise SettingsError(f"MOTCUA_DOCUMENT_KEYS_DIR {self.directory} is not a directory")
        try:
            roots = self.trust_roots()
        except (OSError, EngineError) as exc:
            raise SettingsError(f"MOTCUA_DOCUMENT_TRUST_ROOTS: {_reason(exc)}") from exc
        if not roots or any(is_development_certificate(root) for root in roots):
            raise SettingsError(
                f"MOTCUA_DOCUMENT_TRUST_ROOTS {self.roots_file}: development or no certificates"
            )
        for code in unit_codes:
            try:
                self.signer_for(code, code, datetime.now())
            except EngineError as exc:
                raise SettingsError(f"document signing key of unit {code}: {exc.detail}") from exc


MISSING_KEYS = (
    "MOTCUA_ENV=production needs each unit's document signing key: set "
    "MOTCUA_DOCUMENT_KEYS_DIR (a directory of <unit code>.p12 files from a licensed CA) and "
    "MOTCUA_DOCUMENT_TRUST_ROOTS (the CA's root certificates, PEM); development keys are refused"
)


class UnconfiguredSigners:
    """Production without signing keys: the server refuses to start (`check_production`);
    commands that issue nothing (migrate, user, audit) still run."""

    def signer_for(self, unit_code: str, unit_name: str, now: datetime) -> UnitSigner:
        from engine.documents import SigningKeyError

        raise SigningKeyError(MISSING_KEYS)

    def trust_roots(self) -> Sequence[Certificate]:
        return []

    def check_production(self, unit_codes: Iterable[str]) -> None:
        raise SettingsError(MISSING_KEYS)


AnySigners = DevelopmentSigners | ConfiguredSigners | UnconfiguredSigners


def signers_from_settings(settings: Settings) -> AnySigners:
    """The signers the settings configure: the keys directory when set, else in production
    none (the server refuses to start), else the development CA under the var directory."""
    if settings.document_keys_dir is not None or settings.is_production:
        if settings.document_keys_dir is None or settings.document_trust_roots is None:
            return UnconfiguredSigners()
        return ConfiguredSigners(
            settings.document_keys_dir,
            settings.document_trust_roots,
            os.environ.get(PASSPHRASE_VARIABLE),
        )
    return DevelopmentSigners(settings.var_dir / DEVELOPMENT_CA_DIR)


def _reason(exc: BaseException) -> str:
    detail = getattr(exc, "detail", None)
    return str(detail) if detail else str(exc)
