"""Routes any web page may read, whatever its origin: Starlette's CORS middleware around each such
route alone, never around the app.

An officer's verifier app exported as a folder is served from an origin of its own and fetches
fresh trust bundles from the parties' nodes. A bundle is public — anyone may fetch it, and the
app trusts it only once it opens against the node keys it pins — so a node lets every origin
read it, with no credentials: ``Access-Control-Allow-Origin: *`` on its answers (its problems
too), and an answer to a preflight, should a browser make one. Nothing else of the node becomes
cross-origin: not the officials' API, and least of all the web app's session API, which a page
of another origin must never read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send


class CrossOriginRoute(APIRoute):
    """An API route whose answers any origin may read, without credentials; it answers a CORS
    preflight for its methods itself. Add it with ``route_class_override``: FastAPI's
    ``include_router`` serves an included route through an app of its own making, which this
    class would not wrap."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.app = CORSMiddleware(
            self.app,
            allow_origins=["*"],
            allow_methods=sorted(self.methods or ()),
            allow_credentials=False,
            # A page on a public origin asking a node on a private network (Chromium's Private
            # Network Access): the answer is as public there as anywhere.
            allow_private_network=True,
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A preflight is an OPTIONS, which the route does not serve: Starlette would answer it
        # 405 before the middleware saw it. The test is the middleware's own.
        headers = Headers(scope=scope)
        if (
            scope["method"] == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
        ):
            await self.app(scope, receive, send)
            return
        await super().handle(scope, receive, send)
