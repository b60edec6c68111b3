"""The offline check behind ``cert verify`` and ``make run``: a trust bundle, then a certificate."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from jointzone.acts._types import instant_text
from jointzone.cli.errors import CliError
from jointzone.credentials import (
    Certificate,
    Check,
    CheckStatus,
    Report,
    verify_certificate,
    verify_certificate_image,
)
from jointzone.neutrality import NameRenderer
from jointzone.regime import Place, Regime, RegimeError
from jointzone.tlog import TlogError, Verifier
from jointzone.trust import BundleError, open_bundle

_DURATION = re.compile(r"(?:P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?|(\d+)([dhm]))", re.IGNORECASE)


def parse_duration(text: str, where: str) -> timedelta:
    """A duration as ``7d``, ``36h``, ``90m`` or ISO 8601 ``P7D``, ``PT12H``, ``P1DT6H``."""
    m = _DURATION.fullmatch(text.strip())
    if m is None or not any(m.groups()) or text.strip().upper() in ("P", "PT"):
        raise CliError(f"{where}: expected a duration such as 7d, 36h or P7D, found {text!r}")
    days, hours, minutes, count, unit = m.groups()
    if count is not None:
        unit_name = {"d": "days", "h": "hours", "m": "minutes"}[unit.lower()]
        return timedelta(**{unit_name: int(count)})
    return timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0))


@dataclass(frozen=True)
class Offline:
    """An offline check's report, and the regime of the bundle's genesis when it opened."""

    report: Report
    regime: Regime | None


def verify_offline(
    certificate: str | None,
    image: bytes | None,
    bundle: bytes,
    keys: list[str],
    now: datetime,
    *,
    max_age: timedelta | None = None,
    at: str | None = None,
    language: str = "en",
) -> Offline:
    """The whole offline check: the bundle against the node keys, then the certificate. A
    bundle that does not check out is the report's failing first line, never an exception.

    With the report comes the regime that names what the certificate carries as codes. ``at``
    adds a check that the certificate permits that place (a ref, code or name), named in
    ``language``. Raises :class:`CliError` for a place or language the regime of a bundle that
    opened does not have."""
    try:
        verifiers = [Verifier.from_vkey(k) for k in keys]
    except TlogError as e:
        return Offline(Report((Check("node keys", CheckStatus.FAIL, str(e)),), None), None)
    try:
        opened_bundle = open_bundle(bundle, verifiers)
    except BundleError as e:
        return Offline(Report((Check("trust bundle", CheckStatus.FAIL, str(e)),), None), None)
    regime = opened_bundle.regime
    if language not in regime.languages:
        raise CliError(f"--lang: expected one of the regime's languages {list(regime.languages)}")
    here = find_place(regime, at) if at is not None else None
    trust = opened_bundle.trust
    if max_age is not None:
        trust = replace(trust, max_age=max_age)
    if image is not None:
        report = verify_certificate_image(image, trust, now=now)
    else:
        assert certificate is not None
        report = verify_certificate(certificate, trust, now=now)
    checks = [*opened_bundle.checks, *report.checks]
    if here is not None:
        checks.append(_place_check(report.certificate, regime, here, language))
    return Offline(Report(tuple(checks), report.certificate), regime)


def find_place(regime: Regime, text: str) -> Place:
    """The gazetteer's place that ``text`` names: its ref, its code, or any party's name or
    alias for it in any language (letter case aside). Raises :class:`CliError` otherwise."""
    gazetteer = regime.gazetteer
    wanted = text.strip().casefold()
    for place in gazetteer:
        names = [
            place.ref,
            *([str(place.code)] if place.code is not None else []),
            *(n for by_lang in place.names.values() for n in by_lang.values()),
            *(a for by_lang in place.aliases.values() for forms in by_lang.values() for a in forms),
        ]
        if wanted in (n.casefold() for n in names):
            return place
    raise CliError(
        f"--at: no place {text!r} in the regime's gazetteer; give a ref such as "
        f"{', '.join(p.ref for p in list(gazetteer)[:3])}, a code, or a name"
    )


def _permitted(certificate: Certificate, regime: Regime) -> list[Place | int | str]:
    """The certificate's permitted places as the gazetteer has them (a code or ref it does not
    know stays as carried)."""
    places: list[Place | int | str] = []
    for carried in certificate.claims.places:
        try:
            gazetteer = regime.gazetteer
            places.append(
                gazetteer.by_code(carried) if isinstance(carried, int) else gazetteer.place(carried)
            )
        except RegimeError:
            places.append(carried)
    return places


def _place_check(
    certificate: Certificate | None, regime: Regime, here: Place, language: str
) -> Check:
    renderer = NameRenderer(regime.name_orders)
    name = renderer.render(here, language)
    if certificate is None:
        return Check(
            "place", CheckStatus.SKIP, f"{name}: not checked, the certificate did not decode"
        )
    for place in _permitted(certificate, regime):
        if isinstance(place, Place) and regime.gazetteer.is_within(here.ref, place.ref):
            within = "" if place.ref == here.ref else f", within {renderer.render(place, language)}"
            return Check("place", CheckStatus.PASS, f"{name} is permitted{within}")
    return Check(
        "place",
        CheckStatus.FAIL,
        f"{name} is not among the places this certificate permits",
    )


@dataclass(frozen=True)
class Holder:
    """Who a certificate is for and where it lets them go, by the regime's names in one
    language: what an officer reads off the card or the verifier."""

    names: tuple[tuple[str, str], ...]  # (ISO 15924 script, name), in the certificate's order
    party: str
    project: str
    category: str
    places: tuple[str, ...]  # each with every party's names, in the language's order
    valid_from: str
    valid_to: str
    issued: str


def holder(certificate: Certificate, regime: Regime, language: str) -> Holder:
    """The holder of ``certificate`` as :class:`Holder` says; codes the regime does not know
    stay as carried."""
    claims = certificate.claims
    renderer = NameRenderer(regime.name_orders)
    return Holder(
        names=tuple((n.script, n.name) for n in claims.names),
        party=_party_name(regime, claims.party, language),
        project=str(claims.project),
        category=_category_name(regime, claims.category, language),
        places=tuple(
            renderer.render(place, language) if isinstance(place, Place) else str(place)
            for place in _permitted(certificate, regime)
        ),
        valid_from=instant_text(claims.not_before),
        valid_to=instant_text(claims.expires),
        issued=instant_text(claims.issued_at),
    )


def holder_lines(certificate: Certificate, regime: Regime, language: str) -> list[str]:
    """The holder as ``cert verify`` prints it after its checks: names in every script given,
    the party of origin, project and category, the permitted places with every party's names,
    and the validity period."""
    h = holder(certificate, regime, language)
    return [
        *(f"holder ({script}): {name}" for script, name in h.names),
        f"party of origin: {h.party}",
        f"project: number {h.project}",
        f"category: {h.category}",
        *(f"permitted place: {place}" for place in h.places),
        f"valid: {h.valid_from} to {h.valid_to} (UTC), issued {h.issued}",
    ]


def _party_name(regime: Regime, party: str, language: str) -> str:
    try:
        return f"{regime.party(party).names.get(language, party)} ({party})"
    except RegimeError:
        return party


def _category_name(regime: Regime, category: int | str, language: str) -> str:
    for c in regime.categories:
        if category in (c.code, c.id):
            return f"{c.names.get(language, c.id)} ({c.id})"
    return str(category)
