"""Proposing an act from the pages: which act types an official may propose, a form for each,
and the act shown exactly as it will be signed.

An official proposes what their party's policy lets their roles sign: for each act type the
regime gives an officials' policy, the roles it counts, met by the roles the log gives the
official. Acts signed by root keys (the regime, officials, certificate keys) are the root-key
holders' and are made with the command line, offline, never here.

The form posts to this node (with the session's CSRF token); what it says is checked as a
proposal is — the act model, the rules against the node's state now, the neutrality gate — and
either comes back beside its fields or is shown for review, with the bytes the official's
browser signs (``static/app.js``, ``reviewPage``). The node keeps nothing until the signed
proposal arrives at ``/web/api/proposals``, and judges it there again as it judges any.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from jointzone import acts
from jointzone.cli._registries import View
from jointzone.consent import ProposalContent
from jointzone.node import Node
from jointzone.regime import Regime
from jointzone.web import _pages, _signing
from jointzone.web._forms import (
    ACT_TYPE_TEXTS,
    PREFILLED_PARTY,
    Form,
    FormContext,
    form_for,
    parse_form,
)
from jointzone.web._i18n import Language
from jointzone.web._labels import N_
from jointzone.web._render import ActView
from jointzone.web._sessions import Session

if TYPE_CHECKING:
    from jointzone.web._pages import Pages

#: The most a posted form may hold: a project's 2,000 participants are well within it.
MAX_FORM = 1024 * 1024
MAX_FIELDS = 10_000
#: Form keys that steer the form rather than say anything about the act.
_CONTROLS = ("csrf", "more", "edit")

_CONSENT = {
    "every-party": N_(
        "Takes effect once every party has signed it, each through an official with one of "
        "these roles: %(roles)s."
    ),
    "any-party": N_(
        "Takes effect once any one party has signed it, through an official with one of "
        "these roles: %(roles)s."
    ),
}


@dataclass(frozen=True, slots=True)
class ActTypeEntry:
    """An act type as the list of what may be proposed shows it."""

    type: str
    title: str
    summary: str


def proposable(regime: Regime, roles: Iterable[str]) -> list[str]:
    """The act types an official holding ``roles`` may propose: those whose policy counts
    officials (not root keys) and names one of the roles, in the order the acts define them."""
    mine = set(roles)
    out = []
    for act_type in acts.ACT_TYPES:
        policy = regime.act_types.get(act_type)
        if policy is None or policy.by_root:
            continue
        if policy.roles and not mine & set(policy.roles):
            continue
        out.append(act_type)
    return out


def _roles(n: Node, session: Session) -> tuple[str, ...]:
    official = n.replica.state.officials.get(session.official)
    if official is None or not official.active or official.party != session.party:
        return ()
    return official.roles


def _role_names(regime: Regime, lang: Language, roles: Iterable[str]) -> str:
    """Role ids by the regime's names for them, in the reader's language."""
    return View(regime, lang.code).role()(list(roles))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


async def _form_values(request: Request) -> dict[str, list[str]]:
    """A posted form's values by key, read within :data:`MAX_FORM` and :data:`MAX_FIELDS`."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise _pages.PageError(
            415, f"expected a form (application/x-www-form-urlencoded), got {kind!r}"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise _pages.PageError(413, f"the form is larger than {MAX_FORM} bytes")
    try:
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError as e:
        raise _pages.PageError(400, f"the form cannot be read: {e}") from e
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    return values


def add_propose_routes(router: APIRouter, pages: Pages) -> None:
    """``/propose``: the act types the signed-in official may propose; ``/propose/{type}``: its
    form, and on posting it the errors beside their fields or the act to review and sign."""
    service = pages.service

    def regime() -> Regime:
        return service.standalone.regime

    def consent(act_type: str, lang: Language) -> str:
        policy = regime().policy(act_type)
        message = _CONSENT.get(policy.consent)
        if message is None:
            return ""
        roles = _role_names(regime(), lang, policy.roles)
        return lang.gettext(message) % {"roles": roles}

    def allowed(n: Node, session: Session, act_type: str) -> None:
        if act_type not in acts.ACT_TYPES:
            raise _pages.PageError(404, f"no act type {act_type!r}")
        roles = _roles(n, session)
        if act_type not in proposable(regime(), roles):
            policy = regime().act_types.get(act_type)
            needs = "root keys" if policy is None or policy.by_root else list(policy.roles)
            raise _pages.PageError(
                403,
                f"{session.official!r} (roles {list(roles)}) cannot propose {act_type}: "
                f"it is signed by {needs}",
            )

    def render_form(request: Request, form: Form, lang: Language, *, status: int = 200) -> Response:
        return pages.render(
            request,
            "propose_form.html",
            status=status,
            form=form,
            consent=consent(form.act_type, lang),
        )

    @router.get("/propose", response_class=HTMLResponse)
    def propose_list(request: Request) -> Response:
        session = pages.signed_in(request)
        lang = pages.language(request)
        with service.locked() as n:
            roles = _roles(n, session)
        entries = []
        for act_type in proposable(regime(), roles):
            text = ACT_TYPE_TEXTS.get(act_type)
            title = lang.gettext(text.title) if text else act_type
            summary = lang.gettext(text.summary) if text else ""
            entries.append(ActTypeEntry(act_type, title, summary))
        return pages.render(
            request,
            "propose.html",
            types=entries,
            roles=_role_names(regime(), lang, roles),
        )

    @router.get("/propose/{act_type}", response_class=HTMLResponse)
    def propose_form(request: Request, act_type: str) -> Response:
        session = pages.signed_in(request)
        lang = pages.language(request)
        with service.locked() as n:
            allowed(n, session, act_type)
            ctx = FormContext.of(regime(), n.replica.state, lang)
            form = form_for(act_type, ctx, {k: [session.party] for k in PREFILLED_PARTY})
        return render_form(request, form, lang)

    @router.post("/propose/{act_type}", response_class=HTMLResponse)
    async def propose_post(request: Request, act_type: str) -> Response:
        session = pages.signed_in(request)
        values = await _form_values(request)
        given = values.get("csrf")
        pages.check_csrf(request, session, given[0] if given else None)
        lang = pages.language(request)
        checker = pages.checker()

        def run() -> tuple[str, dict[str, Any]]:
            with service.locked() as n:
                allowed(n, session, act_type)
                ctx = FormContext.of(regime(), n.replica.state, lang)
                if "more" in values or "edit" in values:
                    return "form", {"form": form_for(act_type, ctx, values)}

                def gate(act: acts.Act) -> list[tuple[str, str]]:
                    return [
                        (f.field, _pages.finding_message(f.finding, lang, ctx.view))
                        for f in checker.gate(act.free_text())
                    ]

                now = n.now()
                parsed = parse_form(act_type, values, ctx=ctx, time=now, gate=gate)
                if parsed.act is None:
                    return "invalid", {"form": parsed.form}
                to_sign = _signing.new_proposal(
                    parsed.act,
                    regime=regime(),
                    party=session.party,
                    official=session.official,
                    now=now,
                )
                content = ProposalContent.decode(to_sign.payload)
                shown = ActView(ctx.view, lang, n.replica.state).fields(parsed.act)
            return "review", {
                "act_type": act_type,
                "title": parsed.form.title,
                "shown": shown,
                "content": content,
                "payload": _b64(to_sign.payload),
                "to_sign": _b64(to_sign.data),
                "kept": [(k, v) for k, vs in values.items() if k not in _CONTROLS for v in vs],
                "skew_minutes": max(1, regime().clock_skew_seconds // 60),
            }

        outcome, shown = await run_in_threadpool(run)
        if outcome == "review":
            return pages.render(request, "review.html", consent=consent(act_type, lang), **shown)
        status = 422 if outcome == "invalid" else 200
        return render_form(request, shown["form"], lang, status=status)


__all__ = ["add_propose_routes", "proposable"]
