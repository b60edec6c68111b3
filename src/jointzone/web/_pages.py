"""The officials' pages and the calls their browser makes, over one party's node.

Every page is rendered here, in the reader's language; the few scripts (``static/app.js``) make
and keep the official's key, sign in and sign acts. Every state-changing request needs the
session's CSRF token and a same-origin ``Origin``; every answer forbids framing and carries a
content security policy that admits nothing from anywhere else.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jointzone import ed25519
from jointzone.cli._registries import View
from jointzone.consent import ConsentError, PartyConsent, Rejection
from jointzone.neutrality import Checker, Finding, Rule
from jointzone.node import Node, NodeError, ProposalStatus, UnknownProposalError, regime_checker
from jointzone.regime import Regime
from jointzone.server import NodeService
from jointzone.web import _i18n, _signing
from jointzone.web._demo import DemoOfficials
from jointzone.web._labels import N_
from jointzone.web._log import add_log_routes
from jointzone.web._pictures import add_picture_routes
from jointzone.web._propose import add_propose_routes
from jointzone.web._registries import add_registry_routes
from jointzone.web._render import ActView
from jointzone.web._sessions import Session, Sessions

log = logging.getLogger("jointzone.web")

HERE = Path(__file__).parent
SESSION_COOKIE = "__Host-jz-session"
CSRF_HEADER = "x-csrf-token"
#: How every COSE Sig_structure begins: an array of five, then the text "Signature".
SIG_STRUCTURE_PREFIX = b"\x85\x69Signature"
#: The most a browser's JSON call may send.
MAX_BODY = 256 * 1024
#: The longest text the live check takes (an act's longest free text).
MAX_CHECKED = 8000
#: "Expiring soon" in the inbox.
EXPIRY_WINDOW = timedelta(days=3)
#: The inbox lists what is open, and what closed (committed, rejected, expired) this recently.
RECENT = timedelta(days=7)
#: At most this many of an official's own proposals, the latest: the registries hold the rest.
MINE = 50
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class PageError(Exception):
    """A request refused, answered as a page (or JSON problem) in the reader's language."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _b64decode(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise PageError(400, f"{what}: expected base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise PageError(400, f"{what}: not base64 ({e})") from e


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public_key: bytes) -> str:
    """How a key is read aloud and compared: SHA-256 of the raw key, hex in groups of four."""
    digest = hashlib.sha256(public_key).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


@dataclass(frozen=True, slots=True)
class Row:
    """One proposal as a page lists it."""

    status: ProposalStatus
    standing: tuple[PartyConsent, ...]
    proposer: str

    @property
    def id(self) -> str:
        return self.status.proposal.id


class Pages:
    """The web app of one served node."""

    def __init__(self, service: NodeService, *, demo_officials: Path | None = None) -> None:
        self.service = service
        self.officials = (
            None if demo_officials is None else DemoOfficials(demo_officials, service.party)
        )
        #: A demonstration whose officials' keys the node holds: every page says so.
        self.demo = self.officials is not None
        self.sessions = Sessions()
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @functools.cached_property
    def _checker(self) -> Checker:
        standalone = self.service.standalone
        regime = standalone.node.replica.regime or standalone.regime
        return regime_checker(regime, standalone.root / "regime")

    def checker(self) -> Checker:
        """The regime's neutrality checker, as the node's gate uses it."""
        return self._checker

    # -- the request's reader ------------------------------------------------------------------

    def language(self, request: Request) -> _i18n.Language:
        code = _i18n.negotiate(
            request.query_params.get("lang"),
            request.cookies.get(_i18n.COOKIE),
            request.headers.get("accept-language"),
        )
        return _i18n.language(code)

    def session(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(SESSION_COOKIE))

    def signed_in(self, request: Request) -> Session:
        session = self.session(request)
        if session is None:
            raise SignInNeededError()
        return session

    def check_csrf(self, request: Request, session: Session, given: str | None) -> None:
        origin = request.headers.get("origin")
        if origin is not None and origin != _origin(request):
            raise PageError(403, f"request from another origin ({origin}) refused")
        if request.headers.get("sec-fetch-site") not in (None, "same-origin", "none"):
            raise PageError(403, "cross-site request refused")
        if not session.csrf_matches(given):
            raise PageError(403, "the form's security token is missing or stale: reload the page")

    # -- rendering ------------------------------------------------------------------------------

    def render(
        self, request: Request, template: str, *, status: int = 200, **values: Any
    ) -> HTMLResponse:
        lang = self.language(request)
        session = self.session(request)
        with self.service.locked() as n:
            regime = self.service.standalone.regime
            context = {
                "lang": lang,
                "gettext": _gettext(lang),
                "ngettext": _ngettext(lang),
                "_": _gettext(lang),
                "session": session,
                "official": None
                if session is None
                else n.replica.state.officials.get(session.official),
                "party_name": self.party_name(regime, self.service.party, lang.code),
                "regime": regime,
                "view": View(regime, lang.code),
                "languages": [_i18n.language(c) for c in _i18n.LANGUAGES],
                "path": request.url.path,
                "demo": self.demo,
                "csrf": "" if session is None else session.csrf,
                "time": lang.time,
                "number": lang.number,
                "page_name": self.party_name,
                **values,
            }
            html = self.env.get_template(template).render(context)
        response = HTMLResponse(html, status_code=status)
        chosen = request.query_params.get("lang")
        if chosen in _i18n.LANGUAGES:
            response.set_cookie(
                _i18n.COOKIE, chosen, max_age=365 * 86400, samesite="strict", secure=True
            )
        return response

    @staticmethod
    def party_name(regime: Regime, party: str, language: str) -> str:
        try:
            names = regime.party(party).names
        except Exception:
            return party
        return names.get(language, party)

    # -- what the pages show --------------------------------------------------------------------

    def rows(
        self, n: Node, statuses: list[ProposalStatus], *, every_standing: bool = False
    ) -> list[Row]:
        """Proposals as a page lists them; each party's standing is counted for open ones only
        (a decided act's status says all a list needs), or for all with ``every_standing``."""
        out = []
        for s in statuses:
            kids = s.proposal.kids
            proposer = kids[0].decode("utf-8", "replace") if kids else ""
            counted = every_standing or s.status == "open"
            standing = n.replica.standing(s.proposal) if counted else ()
            out.append(Row(s, standing, proposer))
        return out

    def awaits(self, n: Node, session: Session, row: Row) -> bool:
        """Whether ``row`` awaits the signed-in official's signature: open, their party short of
        consent, their roles among those its policy counts, and not signed by them yet."""
        proposal = row.status.proposal
        if row.status.status != "open" or session.official.encode() in proposal.kids:
            return False
        ours = next((p for p in row.standing if p.party == session.party), None)
        if ours is None or ours.done or ours.kind != "official":
            return False
        me = n.replica.state.officials.get(session.official)
        policy = self.service.standalone.regime.policy(proposal.act_type)
        roles = set(me.roles) if me is not None and me.active else set()
        return not policy.roles or bool(roles & set(policy.roles))

    def inbox(self, n: Node, session: Session) -> dict[str, Any]:
        """What awaits the official, what they proposed lately, and what expires soon. Only
        proposals not expired more than :data:`RECENT` ago are read: the inbox is about now."""
        now = n.now()
        since = now - RECENT
        awaiting, expiring = [], []
        # An open proposal has not expired: none expiring before now need be read.
        for row in self.rows(n, n.proposals("open", since=now, judged=False)):
            if self.awaits(n, session, row):
                awaiting.append(row)
            if _signing.expiring_within(row.status.proposal, now, EXPIRY_WINDOW):
                expiring.append(row)
        made = n.proposals_by(session.official, party=session.party, since=since, limit=MINE)
        return {"awaiting": awaiting, "mine": self.rows(n, made), "expiring": expiring}


class SignInNeededError(Exception):
    """No session: the reader is sent to the login page."""


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _gettext(lang: _i18n.Language) -> Callable[..., str]:
    def gettext(message: str, **values: Any) -> str:
        text = Markup(lang.gettext(message))  # noqa: S704 - the catalogue's own text, written by us
        return text % values if values else text

    return gettext


def _ngettext(lang: _i18n.Language) -> Callable[..., str]:
    def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
        text = Markup(lang.ngettext(singular, plural, n))  # noqa: S704 - as gettext's
        return text % {"num": n, **values}

    return ngettext


async def _json_body(request: Request) -> dict[str, Any]:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise PageError(413, f"the request is larger than {MAX_BODY} bytes")
    try:
        body = json.loads(bytes(data))
    except (ValueError, UnicodeDecodeError) as e:
        raise PageError(400, f"the request is not JSON: {e}") from e
    if not isinstance(body, dict):
        raise PageError(400, "the request must be a JSON object")
    return body


class SecurityHeaders:
    """Every page's and asset's policy headers, added where the answer has none of its own.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` runs each request through an
    extra task and stream, which costs more than most of the pages take to render.
    """

    _PAGES = (
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        # No referrer to other sites; to this one, the origin its form posts are checked by
        # (under no-referrer a browser would send those as Origin: null).
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    )
    _UNTOUCHED = ("/peer/", "/tile/", "/checkpoint")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(self._UNTOUCHED):
            await self.app(scope, receive, send)
            return
        static = path.startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self._PAGES if k not in present]
                if static:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def mount(app: FastAPI, service: NodeService, *, demo_officials: Path | None = None) -> Pages:
    """Add the web app to ``app`` (the node's API app): pages at ``/``, assets at ``/static``.

    ``demo_officials`` is a demonstration's directory of officials' key files (see
    :mod:`._demo`); a real deployment gives none."""
    pages = Pages(service, demo_officials=demo_officials)
    app.include_router(_router(pages))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(SignInNeededError)
    async def sign_in(request: Request, _: SignInNeededError) -> Response:
        back = quote(request.url.path)
        return RedirectResponse(f"/login?next={back}", status_code=303)

    @app.exception_handler(PageError)
    async def refused(request: Request, exc: PageError) -> Response:
        if request.url.path.startswith("/web/api/"):
            lang = pages.language(request)
            return JSONResponse(
                {
                    "type": "about:blank",
                    "title": lang.gettext("The request was refused"),
                    "status": exc.status,
                    "detail": exc.message,
                },
                status_code=exc.status,
                media_type="application/problem+json",
            )
        return pages.render(request, "error.html", status=exc.status, message=exc.message)

    return pages


def _router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    service = pages.service

    def proposal_or_404(n: Node, act_id: str) -> ProposalStatus:
        try:
            return n.status(n.resolve(act_id))
        except (UnknownProposalError, NodeError) as e:
            raise PageError(404, str(e)) from e

    # -- pages ----------------------------------------------------------------------------------

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        target = "/inbox" if pages.session(request) else "/login"
        return RedirectResponse(target, status_code=303)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        demo: list[str] = []
        if pages.officials is not None:
            with service.locked() as n:
                demo = pages.officials.usable(n)
        return pages.render(request, "login.html", next=_safe_next(request), demo_officials=demo)

    @router.get("/enrol", response_class=HTMLResponse)
    def enrol_page(request: Request) -> Response:
        return pages.render(request, "enrol.html")

    @router.get("/inbox", response_class=HTMLResponse)
    def inbox(request: Request) -> Response:
        session = pages.signed_in(request)
        with service.locked() as n:
            boxes = pages.inbox(n, session)
        return pages.render(request, "inbox.html", **boxes)

    @router.get("/acts/{act_id}", response_class=HTMLResponse)
    def act_page(request: Request, act_id: str) -> Response:
        session = pages.signed_in(request)
        lang = pages.language(request)
        with service.locked() as n:
            s = proposal_or_404(n, act_id)
            (row,) = pages.rows(n, [s], every_standing=True)
            mine = session.official.encode() in s.proposal.kids
            may_sign = pages.awaits(n, session, row)
            view = ActView(View(service.standalone.regime, lang.code), lang, n.replica.state)
            shown = view.fields(s.proposal.content.act)
        return pages.render(
            request, "act.html", row=row, s=s, may_sign=may_sign, signed_by_me=mine, shown=shown
        )

    # -- sign-in --------------------------------------------------------------------------------

    @router.post("/web/api/login/challenge")
    async def challenge(request: Request) -> dict[str, Any]:
        body = await _json_body(request)
        official = body.get("official")
        if not isinstance(official, str) or not 0 < len(official) <= 64:
            raise PageError(400, "official: expected an official's id")
        client = request.client.host if request.client else "?"
        if pages.sessions.blocked(f"ip:{client}", f"official:{official}"):
            raise PageError(429, "too many failed sign-ins: wait five minutes")
        c = pages.sessions.challenge(_origin(request), official)
        return {"nonce": c.nonce, "challenge": _b64(c.data)}

    @router.post("/web/api/login")
    async def login(request: Request) -> Response:
        body = await _json_body(request)
        client = request.client.host if request.client else "?"
        c = pages.sessions.take_challenge(str(body.get("nonce", "")))
        if c is None:
            raise PageError(401, "the sign-in challenge is unknown or expired: try again")
        keys = (f"ip:{client}", f"official:{c.official}")
        if pages.sessions.blocked(*keys):
            raise PageError(429, "too many failed sign-ins: wait five minutes")
        if c.origin != _origin(request):
            raise PageError(401, "the challenge was made for another origin")
        signature = _b64decode(body.get("signature"), "signature")
        with service.locked() as n:
            official = n.replica.state.officials.get(c.official)
            key = None if official is None else official.key_at(n.log_size())
            party_ok = official is not None and official.party == service.party
        if key is None or not party_ok or not ed25519.verify(key, signature, c.data):
            pages.sessions.failed(*keys)
            raise PageError(
                401,
                f"{c.official!r} is no official of {service.party!r} with this key in the log "
                "(not yet appointed, removed, or another key)",
            )
        return open_session(c.official, body.get("next"))

    def open_session(official: str, next_page: object) -> Response:
        token, _ = pages.sessions.open(official, service.party)
        response = JSONResponse({"next": _safe_next_value(next_page)})
        response.set_cookie(
            SESSION_COOKIE, token, httponly=True, secure=True, samesite="strict", path="/"
        )
        return response

    @router.post("/web/api/demo/login")
    async def demo_login(request: Request) -> Response:
        """A demo official signed in by the node, which holds their key (see :mod:`._demo`)."""
        if pages.officials is None:
            raise PageError(404, "this node holds no demo officials' keys")
        body = await _json_body(request)
        official = body.get("official")
        with service.locked() as n:
            key = None if not isinstance(official, str) else pages.officials.key_for(n, official)
        if key is None or not isinstance(official, str):
            raise PageError(401, f"{official!r} is no demo official of {service.party!r}")
        return open_session(official, body.get("next"))

    @router.post("/web/api/demo/sign")
    async def demo_sign(request: Request) -> dict[str, Any]:
        """The signature a demo official's browser would have made, made by the node."""
        session = csrf_json(request)
        if pages.officials is None:
            raise PageError(404, "this node holds no demo officials' keys")
        body = await _json_body(request)
        data = _b64decode(body.get("data"), "data")
        if not data.startswith(SIG_STRUCTURE_PREFIX):
            raise PageError(400, "data: only a COSE Sig_structure (an act's signature) is signed")
        with service.locked() as n:
            key = pages.officials.key_for(n, session.official)
        if key is None:
            raise PageError(403, f"the node holds no demo key of {session.official!r}")
        return {"signature": _b64(key.sign(data))}

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        session = pages.signed_in(request)
        form = await request.form()
        csrf = form.get("csrf")
        pages.check_csrf(request, session, csrf if isinstance(csrf, str) else None)
        pages.sessions.close(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
        return response

    # -- signing --------------------------------------------------------------------------------

    def csrf_json(request: Request) -> Session:
        session = pages.signed_in(request)
        pages.check_csrf(request, session, request.headers.get(CSRF_HEADER))
        return session

    @router.get("/web/api/acts/{act_id}/to-sign")
    def to_sign(request: Request, act_id: str) -> dict[str, Any]:
        session = pages.signed_in(request)
        with service.locked() as n:
            s = proposal_or_404(n, act_id)
        data = _signing.cosigning(s.proposal, session.official).data
        return {"id": s.proposal.id, "to_sign": _b64(data)}

    @router.post("/web/api/acts/{act_id}/signature")
    async def add_signature(request: Request, act_id: str) -> dict[str, Any]:
        session = csrf_json(request)
        body = await _json_body(request)
        signature = _b64decode(body.get("signature"), "signature")

        def run(n: Node) -> dict[str, Any]:
            s = proposal_or_404(n, act_id)
            try:
                cose = _signing.cosigned(s.proposal, session.official, signature)
                signed = n.submit(cose)
            except (NodeError, ConsentError, ValueError) as e:
                raise PageError(400, str(e)) from e
            return {"id": signed.proposal.id, "added": signed.added}

        return await run_in_threadpool(lambda: service.run(run))

    @router.post("/web/api/acts/{act_id}/rejection/to-sign")
    async def rejection_to_sign(request: Request, act_id: str) -> dict[str, Any]:
        session = csrf_json(request)
        body = await _json_body(request)
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise PageError(400, "reason: a rejection must give its reason")
        with service.locked() as n:
            s = proposal_or_404(n, act_id)
            try:
                ts = _signing.rejecting(
                    s.proposal,
                    official=session.official,
                    party=session.party,
                    reason=reason.strip(),
                    at=n.now(),
                )
            except (ConsentError, ValueError) as e:
                raise PageError(400, str(e)) from e
        return {"payload": _b64(ts.payload), "to_sign": _b64(ts.data)}

    @router.post("/web/api/rejections")
    async def add_rejection(request: Request) -> Response:
        session = csrf_json(request)
        body = await _json_body(request)
        payload = _b64decode(body.get("payload"), "payload")
        signature = _b64decode(body.get("signature"), "signature")
        ts = _signing.ToSign.by(session.official, payload)

        def run(n: Node) -> None:
            try:
                rejection = Rejection.from_bytes(_signing.rejected(ts, signature))
                if rejection.party != session.party:
                    raise PageError(403, "a rejection speaks for the signer's own party only")
                n.submit_rejection(rejection.to_bytes())
            except (NodeError, ConsentError, ValueError) as e:
                raise PageError(400, str(e)) from e

        await run_in_threadpool(lambda: service.run(run))
        return Response(status_code=204)

    @router.post("/web/api/proposals")
    async def add_proposal(request: Request) -> dict[str, Any]:
        session = csrf_json(request)
        body = await _json_body(request)
        payload = _b64decode(body.get("payload"), "payload")
        signature = _b64decode(body.get("signature"), "signature")
        ts = _signing.ToSign.by(session.official, payload)

        def run(n: Node) -> dict[str, Any]:
            try:
                signed = n.submit(_signing.proposed(ts, signature))
            except (NodeError, ConsentError, ValueError) as e:
                raise PageError(400, str(e)) from e
            return {"id": signed.proposal.id, "url": f"/acts/{signed.proposal.id}"}

        return await run_in_threadpool(lambda: service.run(run))

    @router.post("/web/api/check")
    async def check(request: Request) -> dict[str, Any]:
        """The neutrality check of one text as it is typed: the checker that gates every act."""
        pages.signed_in(request)
        body = await _json_body(request)
        text, language = body.get("text"), body.get("language")
        if not isinstance(text, str) or len(text) > MAX_CHECKED:
            raise PageError(400, f"text: expected at most {MAX_CHECKED} characters of text")
        if language not in service.standalone.regime.languages:
            raise PageError(400, f"language: expected one of the regime's, got {language!r}")
        lang = pages.language(request)
        view = View(service.standalone.regime, lang.code)
        findings = await run_in_threadpool(lambda: pages.checker().check(text, language=language))
        return {
            "findings": [
                {
                    "rule": str(f.rule),
                    "start": f.start,
                    "end": f.end,
                    "words": f.words,
                    "suggestion": f.suggestion,
                    "blocking": f.blocking,
                    "message": finding_message(f, lang, view),
                }
                for f in findings
            ]
        }

    add_log_routes(router, pages)
    add_picture_routes(router, pages)
    add_registry_routes(router, pages)
    add_propose_routes(router, pages)
    return router


_RULES = {
    Rule.ONE_SIDED_NAME: N_(
        "“%(words)s” is one party's name alone for a place; write both: %(suggestion)s"
    ),
    Rule.ADMIN_ATTRIBUTION: N_(
        "“%(words)s” places the zone in one party's administration; write instead: %(suggestion)s"
    ),
    Rule.ONE_SIDED_TERM: N_("“%(words)s” is one party's term; write instead: %(suggestion)s"),
    Rule.POSSESSIVE_ATTRIBUTION: N_(
        "“%(words)s” attributes the zone to one party; write instead: %(suggestion)s"
    ),
    Rule.CLAIM_LANGUAGE: N_("“%(words)s” states one party's claim; write instead: %(suggestion)s"),
}


def finding_message(f: Finding, lang: _i18n.Language, view: View) -> str:
    """A finding in the reader's language: its words, and the neutral text to write instead."""
    message = lang.gettext(_RULES[f.rule]) % {"words": f.words, "suggestion": f.suggestion}
    if f.attributed and f.attributed_to:
        note = lang.gettext("(quoted as %(party)s's words: reported, not blocking)")
        message += " " + note % {"party": view.party()(f.attributed_to)}
    return message


def _safe_next(request: Request) -> str:
    return _safe_next_value(request.query_params.get("next"))


def _safe_next_value(value: object) -> str:
    """Where to go after signing in: a path on this node only, never another site."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value
    return "/inbox"


__all__ = ["Pages", "fingerprint", "mount"]
