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
from jointzone.tlog import TlogError, Verifier
from jointzone.trust import BundleError, TablePlace, VerifierTable, open_bundle

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
    """An offline check's report, and the bundle's verifier table when it opened."""

    report: Report
    table: VerifierTable | None


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

    With the report comes the bundle's table, which names what the certificate carries as
    codes. ``at`` adds a check that the certificate permits that place (a ref, code or name),
    named in ``language``. Raises :class:`CliError` for a place or language the table of a
    bundle that opened does not have."""
    try:
        verifiers = [Verifier.from_vkey(k) for k in keys]
    except TlogError as e:
        return Offline(Report((Check("node keys", CheckStatus.FAIL, str(e)),), None), None)
    try:
        opened_bundle = open_bundle(bundle, verifiers)
    except BundleError as e:
        return Offline(Report((Check("trust bundle", CheckStatus.FAIL, str(e)),), None), None)
    table = opened_bundle.table
    check_language(table, language)
    here = find_place(table, at) if at is not None else None
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
        checks.append(_place_check(report.certificate, table, here, language))
    return Offline(Report(tuple(checks), report.certificate), table)


def check_language(table: VerifierTable, language: str) -> None:
    """Refuse a ``--lang`` the regime does not have, before anything is named in it."""
    if language not in table.languages:
        raise CliError(f"--lang: expected one of the regime's languages {list(table.languages)}")


def find_place(table: VerifierTable, text: str) -> TablePlace:
    """The gazetteer's place that ``text`` names: its ref, its code, or any party's name or
    alias for it in any language (letter case aside). Raises :class:`CliError` otherwise."""
    wanted = text.strip().casefold()
    for place in table.places:
        if wanted in (n.casefold() for n in place.spellings()):
            return place
    raise CliError(
        f"--at: no place {text!r} in the regime's gazetteer; give a ref such as "
        f"{', '.join(p.ref for p in table.places[:3])}, a code, or a name"
    )


def _permitted(certificate: Certificate, table: VerifierTable) -> list[TablePlace | int | str]:
    """The certificate's permitted places as the table has them (a code or ref it does not
    know stays as carried)."""
    return [table.place(carried) or carried for carried in certificate.claims.places]


def _place_check(
    certificate: Certificate | None, table: VerifierTable, here: TablePlace, language: str
) -> Check:
    renderer = NameRenderer(table.name_order)
    name = renderer.render(here, language)
    if certificate is None:
        return Check(
            "place", CheckStatus.SKIP, f"{name}: not checked, the certificate did not decode"
        )
    for place in _permitted(certificate, table):
        if isinstance(place, TablePlace) and table.is_within(here.ref, place.ref):
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
    project: str  # as carried: its number (or ref)
    project_name: str | None  # its title and ref, when the table knows the project
    category: str
    places: tuple[str, ...]  # each with every party's names, in the language's order
    valid_from: str
    valid_to: str
    issued: str

    @property
    def project_text(self) -> str:
        """The project as carried, then its title and ref where the table knows them."""
        return self.project + (f", {self.project_name}" if self.project_name else "")


def holder(certificate: Certificate, table: VerifierTable, language: str) -> Holder:
    """The holder of ``certificate`` as :class:`Holder` says; codes the table does not know
    stay as carried."""
    claims = certificate.claims
    renderer = NameRenderer(table.name_order)
    return Holder(
        names=tuple((n.script, n.name) for n in claims.names),
        party=_party_name(table, claims.party, language),
        project=str(claims.project),
        project_name=_project_name(table, claims.project, language),
        category=_category_name(table, claims.category, language),
        places=tuple(
            renderer.render(place, language) if isinstance(place, TablePlace) else str(place)
            for place in _permitted(certificate, table)
        ),
        valid_from=instant_text(claims.not_before),
        valid_to=instant_text(claims.expires),
        issued=instant_text(claims.issued_at),
    )


def holder_lines(certificate: Certificate, table: VerifierTable, language: str) -> list[str]:
    """The holder as ``cert verify`` prints it after its checks: names in every script given,
    the party of origin, project and category, the permitted places with every party's names,
    and the validity period."""
    h = holder(certificate, table, language)
    return [
        *(f"holder ({script}): {name}" for script, name in h.names),
        f"party of origin: {h.party}",
        f"project: number {h.project_text}",
        f"category: {h.category}",
        *(f"permitted place: {place}" for place in h.places),
        f"valid: {h.valid_from} to {h.valid_to} (UTC), issued {h.issued}",
    ]


def _party_name(table: VerifierTable, party: str, language: str) -> str:
    found = table.party(party)
    return party if found is None else f"{found.names.get(language, party)} ({party})"


def _project_name(table: VerifierTable, project: int | str, language: str) -> str | None:
    found = table.project(project)
    return None if found is None else f"{found.title.get(language, found.id)} ({found.id})"


def _category_name(table: VerifierTable, category: int | str, language: str) -> str:
    found = table.category(category)
    return str(category) if found is None else f"{found.names.get(language, found.id)} ({found.id})"
