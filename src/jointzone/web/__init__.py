"""The officials' web app: server-rendered pages a party's node serves its own officials.

Pages are rendered on the node in the reader's language (ja, ru or en); an official's key stays in
their browser, which signs the exact bytes the node asks it to.
"""

from pathlib import Path

from fastapi import FastAPI

from jointzone.server import NodeService, create_app
from jointzone.web._pages import Pages, mount
from jointzone.web._verifier import add_verifier_routes


def create_app_with_pages(service: NodeService, *, demo_officials: Path | None = None) -> FastAPI:
    """The node's API app with the officials' pages added (``demo_officials``: see
    :mod:`._demo`)."""
    app = create_app(service)
    mount(app, service, demo_officials=demo_officials)
    add_verifier_routes(app, service)
    return app


__all__ = ["Pages", "create_app_with_pages", "mount"]
