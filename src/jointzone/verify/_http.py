"""Reading a published log over HTTP(S), as strictly as a directory is read from disk.

A log published on a web server (or served by a node) is verified where it is, without first
mirroring it to disk: the verifier fetches the same paths it would open in a directory. The
server is not trusted any more than a directory is. Every response is read up to the same bound
as the file it stands for, and counted as it arrives, so a server announcing nothing or lying
about its length costs an error, not memory. A redirect is followed only within the log's own
origin: a log that sends its reader to another host has not published the file itself, and a
reader that followed would be checking a place it was never given.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx

from jointzone.verify._files import CHECKPOINT_PATH, MAX_CHECKPOINT_SIZE, TileDirectory
from jointzone.verify.errors import MalformedFileError, MissingFileError, UsageError, VerifyError

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait to connect, and then between two pieces of an answer."""

MAX_REDIRECTS = 5
"""Same-origin redirects followed for one file: enough for a moved prefix, never a loop."""

_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# 404 and 410 say the file is not there, which the layout's fallbacks (a full tile for a pruned
# partial one) and the verdict need to know; any other failure says nothing about the log.
_ABSENT = (404, 410)


def is_url(location: str) -> bool:
    """Whether ``location`` names a log on a web server rather than a directory."""
    return location.lower().startswith(("http://", "https://"))


class TileURL(TileDirectory):
    """The files of a tlog-tiles log under the URL prefix ``url``, fetched on demand, never cached.

    It shares :class:`TileDirectory`'s reading of the layout (a missing partial tile or bundle
    is read from the full one) and replaces only how one file is read, so the two sources
    cannot drift apart in what they accept. Answers other than 200 are errors naming the URL and
    the status: 404 and 410 are a missing file, the rest a :class:`VerifyError` saying the log
    could not be read, which is not a verdict on it. Close it (or use it as a context manager)
    to release its connections.
    """

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        # TileDirectory's initialiser takes a path; none of its state is used here.
        self.url = _prefix(url)
        self.timeout = timeout
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"user-agent": "jointzone-verify"},
        )

    def read_checkpoint(self) -> bytes:
        data = self._read(CHECKPOINT_PATH, MAX_CHECKPOINT_SIZE, "a checkpoint")
        if data is None:
            raise MissingFileError(
                f"{self.url.join(CHECKPOINT_PATH)}: not found; a tlog-tiles log starts with its "
                "checkpoint: is this the log's URL prefix?",
                path=CHECKPOINT_PATH,
            )
        return data

    def _read(self, path: str, limit: int, what: str) -> bytes | None:
        """The body at ``path`` under the prefix, None if the server says it is not there."""
        url = self.url.join(path)
        for _ in range(MAX_REDIRECTS + 1):
            try:
                with self._client.stream("GET", url) as response:
                    if response.has_redirect_location:
                        url = self._redirect_target(url, response)
                        continue
                    if response.status_code in _ABSENT:
                        return None
                    if response.status_code != httpx.codes.OK:
                        raise VerifyError(
                            f"{url}: the server answered HTTP {response.status_code} "
                            f"{response.reason_phrase}, expected 200 with {what}"
                        )
                    return _bounded_body(response, url, path, limit, what)
            except httpx.TimeoutException as e:
                raise VerifyError(f"{url}: no answer within {self.timeout:g} s") from e
            except httpx.HTTPError as e:
                raise VerifyError(f"{url}: cannot be fetched: {e}") from e
        raise VerifyError(f"{self.url.join(path)}: more than {MAX_REDIRECTS} redirects")

    def _redirect_target(self, url: httpx.URL, response: httpx.Response) -> httpx.URL:
        location = response.headers["location"]
        try:
            target = url.join(location)
        except httpx.InvalidURL as e:
            raise VerifyError(f"{url}: the server redirects to {location!r}, not a URL") from e
        if _origin(target) != _origin(self.url):
            raise VerifyError(
                f"{url}: the server redirects (HTTP {response.status_code}) to {target}, "
                f"outside the log's origin {_origin_text(self.url)}; refused"
            )
        return target

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _prefix(url: str) -> httpx.URL:
    """``url`` as a prefix that relative paths join below, or a :class:`UsageError`."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as e:
        raise UsageError(f"{url}: not a URL: {e}") from e
    if parsed.scheme not in _SCHEMES or not parsed.host:
        raise UsageError(f"{url}: expected an http:// or https:// URL with a host")
    if parsed.query or parsed.fragment:
        raise UsageError(f"{url}: expected the log's URL prefix, without a query or fragment")
    if not parsed.path.endswith("/"):
        parsed = parsed.copy_with(path=parsed.path + "/")
    return parsed


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme]


def _origin_text(url: httpx.URL) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}"


def _bounded_body(
    response: httpx.Response, url: httpx.URL, path: str, limit: int, what: str
) -> bytes:
    """The body, refused as soon as it is known to exceed ``limit`` bytes once decoded.

    A declared length is believed only to refuse early: the bytes are counted as they arrive
    (after any Content-Encoding is undone, so a small compressed answer cannot expand without
    bound), however long the server said they would be.
    """
    declared = response.headers.get("content-length", "")
    encoded = response.headers.get("content-encoding", "identity").lower() != "identity"
    if not encoded and declared.isdigit() and int(declared) > limit:
        raise _too_large(url, path, limit, what, f"announces {int(declared):,} bytes")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            raise _too_large(url, path, limit, what, "sends more")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(url: httpx.URL, path: str, limit: int, what: str, found: str) -> MalformedFileError:
    return MalformedFileError(
        f"{url}: expected {what}, at most {limit:,} bytes; the server {found}", path=path
    )
