"""Front-end assets: our own files in `web/static/` and an explicit allow-list of files from the
npm packages in `web/node_modules/` (installed from the lockfile by `npm ci`; never a CDN).

Every asset is served under `/assets/<version>/<name>`, where `<version>` is a digest of every
asset's content: a changed file gives new URLs, so responses can be cached for a year
(`immutable`). Only the names in the manifest are served; anything else is a 404. Text assets are
sent gzip-compressed to clients that accept it (compressed once, kept in memory).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request

from engine.settings import SettingsError

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
NODE_MODULES = WEB_DIR / "node_modules"
URL_PREFIX = "/assets"
#: The files the pages may load from npm packages, by the name pages use (`vendor/...`).
#: Add a file here to serve it; nothing else under node_modules is reachable.
VENDOR_FILES: dict[str, str] = {
    "vendor/htmx.min.js": "htmx.org/dist/htmx.min.js",
    # The workspace's diagrams (issue 16): the navigated viewer and its two style sheets.
    "vendor/bpmn-js/bpmn-navigated-viewer.js": (
        "bpmn-js/dist/bpmn-navigated-viewer.production.min.js"
    ),
    "vendor/bpmn-js/diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "vendor/bpmn-js/bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
}
#: Only the browser tests load these (injected from the file, never served to users).
TEST_ONLY_FILES: dict[str, str] = {"axe.min.js": "axe-core/axe.min.js"}
CACHE_CONTROL = "public, max-age=31536000, immutable"
_COMPRESSIBLE = frozenset(
    {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}
)
_MIN_COMPRESS_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    path: Path
    mimetype: str
    size: int

    @property
    def compressible(self) -> bool:
        return self.mimetype in _COMPRESSIBLE and self.size >= _MIN_COMPRESS_BYTES


@dataclass
class AssetManifest:
    """The served files and the version in their URLs; built once when the app starts."""

    assets: dict[str, Asset]
    version: str
    _gzipped: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(
        cls, static_dir: Path = STATIC_DIR, node_modules: Path = NODE_MODULES
    ) -> AssetManifest:
        """Raises SettingsError when an allow-listed npm file is missing (`npm ci` not run)."""
        found: dict[str, Path] = {
            path.relative_to(static_dir).as_posix(): path
            for path in sorted(static_dir.rglob("*"))
            if path.is_file() and not path.name.startswith(".")
        }
        missing = [
            source for source in VENDOR_FILES.values() if not (node_modules / source).is_file()
        ]
        if missing:
            raise SettingsError(
                f"front-end packages are not installed (missing {', '.join(missing)} under "
                f"{node_modules}): run `make run`, or `cd web && npm ci`"
            )
        found.update({name: node_modules / source for name, source in VENDOR_FILES.items()})
        digest = hashlib.sha256()
        assets = {}
        for name, path in sorted(found.items()):
            content = path.read_bytes()
            digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
            assets[name] = Asset(name, path, _mimetype(name), len(content))
        return cls(assets=assets, version=digest.hexdigest()[:12])

    def url(self, name: str) -> str:
        """The URL of an asset; a KeyError for a name that is not served (a typo in a page)."""
        if name not in self.assets:
            raise KeyError(f"no asset {name!r} (web/static/ or VENDOR_FILES in web/assets.py)")
        return f"{URL_PREFIX}/{self.version}/{name}"

    def gzipped(self, asset: Asset) -> bytes:
        with self._lock:
            cached = self._gzipped.get(asset.name)
            if cached is None:
                cached = gzip.compress(asset.path.read_bytes(), compresslevel=9, mtime=0)
                self._gzipped[asset.name] = cached
            return cached


def browser_test_file(name: str, node_modules: Path = NODE_MODULES) -> Path:
    """A file the browser tests inject (e.g. axe-core), from the same npm install."""
    return node_modules / TEST_ONLY_FILES[name]


def _mimetype(name: str) -> str:
    if name.endswith(".js"):
        return "text/javascript"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


blp = Blueprint("assets", __name__)


def init_assets(app: Flask, manifest: AssetManifest) -> None:
    """Serve the manifest's files and give templates `asset_url(name)`."""
    app.extensions["motcua_assets"] = manifest
    app.jinja_env.globals["asset_url"] = manifest.url
    app.register_blueprint(blp)


@blp.get(f"{URL_PREFIX}/<string:version>/<path:name>")
def serve_asset(version: str, name: str) -> Response:
    manifest: AssetManifest = current_app.extensions["motcua_assets"]
    asset = manifest.assets.get(name)
    if asset is None or version != manifest.version:
        abort(404)
    gzip_ok = asset.compressible and "gzip" in request.headers.get("Accept-Encoding", "")
    body = manifest.gzipped(asset) if gzip_ok else asset.path.read_bytes()
    response = Response(body, mimetype=asset.mimetype)
    if gzip_ok:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["ETag"] = f'"{manifest.version}"'
    return response
