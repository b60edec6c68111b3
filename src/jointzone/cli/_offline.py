"""The offline check behind ``cert verify`` and ``make run``: a trust bundle, then a certificate."""

from __future__ import annotations

from datetime import datetime

from jointzone.credentials import (
    Check,
    CheckStatus,
    Report,
    verify_certificate,
    verify_certificate_image,
)
from jointzone.tlog import TlogError, Verifier
from jointzone.trust import BundleError, open_bundle


def verify_report(
    certificate: str | None,
    image: bytes | None,
    bundle: bytes,
    keys: list[str],
    now: datetime,
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
    if image is not None:
        report = verify_certificate_image(image, opened_bundle.trust, now=now)
    else:
        assert certificate is not None
        report = verify_certificate(certificate, opened_bundle.trust, now=now)
    return Report((*opened_bundle.checks, *report.checks), report.certificate)
