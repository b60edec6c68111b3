"""The offline check behind ``cert verify`` and ``make run``: a trust bundle, then a certificate."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from jointzone.cli.errors import CliError
from jointzone.credentials import (
    Check,
    CheckStatus,
    Report,
    verify_certificate,
    verify_certificate_image,
)
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


def verify_report(
    certificate: str | None,
    image: bytes | None,
    bundle: bytes,
    keys: list[str],
    now: datetime,
    *,
    max_age: timedelta | None = None,
) -> Report:
    """The whole offline check: the bundle against the node keys, then the certificate.

    A bundle that does not check out is the report's failing first line, never an exception.
    """
    try:
        verifiers = [Verifier.from_vkey(k) for k in keys]
    except TlogError as e:
        return Report((Check("node keys", CheckStatus.FAIL, str(e)),), None)
    try:
        opened_bundle = open_bundle(bundle, verifiers)
    except BundleError as e:
        return Report((Check("trust bundle", CheckStatus.FAIL, str(e)),), None)
    trust = opened_bundle.trust
    if max_age is not None:
        trust = replace(trust, max_age=max_age)
    if image is not None:
        report = verify_certificate_image(image, trust, now=now)
    else:
        assert certificate is not None
        report = verify_certificate(certificate, trust, now=now)
    return Report((*opened_bundle.checks, *report.checks), report.certificate)
