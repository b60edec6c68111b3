"""The officer's verifier: a static, installable web app every node serves at ``/verifier/``,
and that ``jointzone verifier export DIR`` writes out as a folder.

The app (``verifier/``: HTML, JavaScript modules, CSS, a web manifest, a service worker, icons,
and its strings in ``i18n/{ja,ru,en}.json``) verifies a participant certificate in the browser,
offline, exactly as ``jointzone cert verify`` does (docs/certificate.md §4.4 and §5, every check
on its own line with the specification's failure names): it reads the QR code from the camera
(getUserMedia and the jsQR decoder, vendored from npm by ``scripts/vendor.py`` and loaded with
its Subresource Integrity hash), from pasted ``JZ1:`` text or from an image file;
it decodes Base45, zlib (the browser's DecompressionStream) and deterministic CBOR (its own
decoder, a port of :mod:`jointzone.cose`'s); it checks every party's Ed25519 signature with
WebCrypto, after the byte checks libsodium makes; and it opens the trust bundle against the node
keys it was configured with, never merely against the keys inside the bundle. docs/verifier.md
says how it is built and used.

What a node adds to the static files, here, in one place for serving and exporting both
(:func:`app_files`):

* ``config.json``: the node keys to pin (served by a node: its regime's parties' node keys as
  its own log declares them; exported: those given on the command line) and where to fetch a
  trust bundle from (a node's ``/api/v1/trust-bundle``; exported: ``trust-bundle.json`` beside
  the app, then the trust-bundle URL of each node named with ``--refresh-from``);
* ``sw.js`` with the list of every file to keep on the device and a version made from their
  hashes, so that any change is a new service worker, installed on the next load while online;
* exported, the content security policy in ``index.html`` as well (a ``<meta>`` element), since
  the web server it is copied to may send none.

Every answer carries a content security policy as strict as the officials' pages' one, with the
two sources an installable offline app needs besides: ``worker-src 'self'`` (its service
worker) and ``manifest-src 'self'`` (its manifest), and, exported, the nodes' trust-bundle URLs
in ``connect-src``. The camera needs nothing in it, only a secure context (https, or
localhost).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse, Response

from jointzone.server import NodeService

APP_DIR = Path(__file__).parent / "verifier"
CONFIG_FORMAT = "jointzone-verifier-config/1"
CONFIG_FILE = "config.json"
BUNDLE_FILE = "trust-bundle.json"
SERVICE_WORKER = "sw.js"
#: Where a node serves fresh trust bundles: the app it serves fetches them there, and an
#: exported app from each node it names (the route lets any origin read it, see server._app).
NODE_BUNDLE_URL = "/api/v1/trust-bundle"


def policy(connect: Sequence[str] = (), *, in_page: bool = False) -> str:
    """The app's content security policy, fetching from its own origin and the URLs
    ``connect`` (absolute, each a source expression as it is). ``in_page``: for a ``<meta>``
    element, which cannot hold ``frame-ancestors`` (a browser ignores it there, and says so)."""
    directives = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        " ".join(["connect-src 'self'", *connect]),
        "worker-src 'self'",
        "manifest-src 'self'",
        "form-action 'none'",
        *([] if in_page else ["frame-ancestors 'none'"]),
        "base-uri 'none'",
    ]
    return "; ".join(directives)


#: The policy of the app a node serves, which fetches from its own origin only.
CSP = policy()
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}
_VERSION_LINE = 'const VERSION = "dev";'
_FILES_LINE = "const PRECACHE = /* files */ [];"
_CHARSET_LINE = '<meta charset="utf-8">\n'


@functools.cache
def static_files() -> Mapping[str, bytes]:
    """The app's own files by path relative to ``verifier/`` (read once: they are package
    data and do not change while a node runs)."""
    return {
        path.relative_to(APP_DIR).as_posix(): path.read_bytes()
        for path in sorted(APP_DIR.rglob("*"))
        if path.is_file() and path.suffix in _TYPES
    }


def config_json(node_keys: Sequence[str], bundle_urls: Sequence[str]) -> bytes:
    """``config.json``: the node keys the app pins, and where it fetches trust bundles."""
    data = {"format": CONFIG_FORMAT, "node_keys": list(node_keys), "bundle_urls": list(bundle_urls)}
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def remote_urls(bundle_urls: Sequence[str]) -> list[str]:
    """The URLs of ``bundle_urls`` on other origins (absolute), which the policy must admit."""
    return [url for url in bundle_urls if url.startswith(("http://", "https://"))]


def app_files(
    *,
    node_keys: Sequence[str],
    bundle_urls: Sequence[str],
    bundle: bytes | None = None,
    policy_in_page: bool = False,
) -> dict[str, bytes]:
    """Every file of the app, by relative path: the static files, ``config.json`` pinning
    ``node_keys``, the trust bundle as ``trust-bundle.json`` when one is given, and the service
    worker with every other file listed for it to keep. ``policy_in_page`` puts the content
    security policy, admitting the remote ``bundle_urls``, into ``index.html`` (exported)."""
    files = dict(static_files())
    files[CONFIG_FILE] = config_json(node_keys, bundle_urls)
    if policy_in_page:
        page = files["index.html"].decode("utf-8")
        if _CHARSET_LINE not in page:
            raise RuntimeError("verifier/index.html lacks the line its policy follows")
        # Quotes as they are: the policy's own are single, and the attribute's double.
        content = html.escape(policy(remote_urls(bundle_urls), in_page=True), quote=False)
        content = content.replace('"', "&quot;")
        meta = f'<meta http-equiv="content-security-policy" content="{content}">\n'
        files["index.html"] = page.replace(_CHARSET_LINE, _CHARSET_LINE + meta, 1).encode()
    if bundle is not None:
        files[BUNDLE_FILE] = bundle
    kept = sorted(name for name in files if name != SERVICE_WORKER)
    digest = hashlib.sha256()
    for name in kept:
        digest.update(f"{name}\0{hashlib.sha256(files[name]).hexdigest()}\n".encode())
    worker = files[SERVICE_WORKER].decode("utf-8")
    if _VERSION_LINE not in worker or _FILES_LINE not in worker:
        raise RuntimeError("verifier/sw.js lacks the lines its version and file list go in")
    worker = worker.replace(_VERSION_LINE, f'const VERSION = "{digest.hexdigest()[:16]}";')
    worker = worker.replace(_FILES_LINE, f"const PRECACHE = {json.dumps(kept)};")
    files[SERVICE_WORKER] = worker.encode("utf-8")
    return files


def write_app(directory: Path, files: Mapping[str, bytes]) -> int:
    """Write ``files`` (from :func:`app_files`) under ``directory``; the bytes written."""
    total = 0
    for name, data in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)
    return total


def content_type(name: str) -> str:
    return _TYPES.get(Path(name).suffix, "application/octet-stream")


@functools.lru_cache(maxsize=4)
def _served(node_keys: tuple[str, ...]) -> dict[str, bytes]:
    return app_files(node_keys=node_keys, bundle_urls=[NODE_BUNDLE_URL])


def add_verifier_routes(app: FastAPI, service: NodeService) -> None:
    """Serve the app at ``/verifier/`` from ``service``'s node, pinning the node keys of its
    regime's parties as its own log declares them (the genesis names them)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/verifier")
    def verifier_root() -> Response:
        # The service worker's scope is /verifier/: the app lives under the slash.
        return RedirectResponse("/verifier/", status_code=308)

    @router.get("/verifier/{name:path}")
    def verifier_file(name: str) -> Response:
        with service.locked() as n:
            keys = tuple(n.replica.state.genesis_node_verifiers().values())
        files = _served(keys)
        name = name or "index.html"
        data = files.get(name)
        if data is None:
            return Response("not found\n", status_code=404, media_type="text/plain")
        headers = {
            "content-security-policy": CSP,
            "cache-control": "no-cache",
            "x-content-type-options": "nosniff",
        }
        return Response(data, media_type=content_type(name), headers=headers)

    app.include_router(router)


__all__ = [
    "APP_DIR",
    "BUNDLE_FILE",
    "CSP",
    "NODE_BUNDLE_URL",
    "add_verifier_routes",
    "app_files",
    "config_json",
    "policy",
    "remote_urls",
    "static_files",
    "write_app",
]
