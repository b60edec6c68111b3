"""A participant certificate printed as an A6 card: what ``cert print`` writes.

The card says what the QR code says, for a person to read: the holder's names in every script
the certificate gives, the purpose (project and category), the permitted places with every
party's names, the validity period and the certificate id. Each party appears the same way —
its name and the statement that it signed, with the kid of its key — in the regime's order for
the card's language; no party's emblem, script or place name comes first except as that order
says. The QR code is drawn as vector squares, four modules of quiet zone around it, so it scans
at any print resolution.

PDF through ReportLab, with one TrueType font embedded (subset) for Latin, Cyrillic and Japanese
alike: IPA Gothic, which JIS X 0208 makes cover Cyrillic as well as kana and kanji. The font is a
file on the machine, never fetched: Debian's ``fonts-ipafont-gothic``, or ``--font``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from jointzone.cli._i18n import messages
from jointzone.cli._offline import holder
from jointzone.cli.errors import CliError
from jointzone.credentials import Certificate
from jointzone.regime import Regime

#: Where Debian puts the font the card uses; ``--font`` or ``JOINTZONE_CARD_FONT`` name another.
DEFAULT_FONTS = (
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
)
_FONT_NAME = "JointzoneCard"
_MARGIN = 7 * mm
_QUIET_MODULES = 4


def find_font(given: Path | None) -> Path:
    """The TrueType font to embed: ``given``, else ``JOINTZONE_CARD_FONT``, else Debian's."""
    if given is None and (env := os.environ.get("JOINTZONE_CARD_FONT")):
        given = Path(env)
    if given is not None:
        if not given.is_file():
            raise CliError(f"--font: no font file at {given}")
        return given
    for path in DEFAULT_FONTS:
        if path.is_file():
            return path
    raise CliError(
        "no font for Japanese and Cyrillic text: install Debian's fonts-ipafont-gothic "
        f"({DEFAULT_FONTS[0]}) or give a TrueType font with --font"
    )


def card_pdf(
    document: Certificate,
    regime: Regime,
    language: str,
    font: Path,
    signers: Mapping[str, str],
) -> bytes:
    """The card's PDF bytes in ``language``, one of the regime's. ``signers`` gives each party's
    certificate key id (hex) that signed the document."""
    try:
        pdfmetrics.registerFont(TTFont(_FONT_NAME, str(font)))
    except (TTFError, OSError) as e:
        raise CliError(f"--font: {font} is not a TrueType font that can be embedded: {e}") from e
    _ = messages(language)
    h = holder(document, regime, language)
    certificate_id = document.claims.certificate_id.decode("utf-8", "replace")
    title = _("Participant certificate")
    parties = [p for p in regime.name_order(language) if p in signers]
    out = io.BytesIO()
    # The initial font is the embedded one, so the page names no font it does not embed
    # (types-reportlab types initialFontName as a number, which ReportLab does not).
    canvas = Canvas(
        out,
        pagesize=A6,
        pageCompression=1,
        invariant=True,
        initialFontName=_FONT_NAME,  # type: ignore[arg-type]
    )
    canvas.setTitle(f"{title} {certificate_id}")
    canvas.setSubject(regime.id)
    width, height = A6
    text_width = width - 2 * _MARGIN
    y = _line(canvas, title, height - _MARGIN, size=11)
    y -= 1 * mm
    for script, name in h.names:
        y = _line(canvas, name, y, size=13, note=script)
    y -= 1 * mm
    fields = [
        (_("Party of origin"), h.party),
        (_("Project"), h.project),
        (_("Category"), h.category),
        (_("Permitted places"), "; ".join(h.places)),
        (_("Valid"), f"{h.valid_from} – {h.valid_to} (UTC)"),
        (_("Certificate"), certificate_id),
    ]
    for label, value in fields:
        y = _wrapped(canvas, f"{label}: {value}", y, size=7.5, width=text_width)
    y -= 2 * mm
    y -= _qr(canvas, document, top=y, width=width) + 1 * mm
    for party in parties:
        statement = _("Signed for {party} with certificate key {kid}").format(
            party=regime.party(party).names.get(language, party), kid=signers[party]
        )
        y = _wrapped(canvas, statement, y, size=6.5, width=text_width)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _line(canvas: Canvas, text: str, y: float, *, size: float, note: str | None = None) -> float:
    y -= size * 1.25
    canvas.setFont(_FONT_NAME, size)
    canvas.drawString(_MARGIN, y, text)
    if note is not None:
        canvas.setFont(_FONT_NAME, 6)
        canvas.drawRightString(A6[0] - _MARGIN, y, note)
    return y


def _wrapped(canvas: Canvas, text: str, y: float, *, size: float, width: float) -> float:
    """``text`` over as many lines as ``width`` needs, broken between characters where a word
    does not fit (Japanese has no spaces)."""
    line = ""
    for char in text:
        if line and pdfmetrics.stringWidth(line + char, _FONT_NAME, size) > width:
            y = _line(canvas, line, y, size=size)
            line = char.lstrip()
        else:
            line += char
    return _line(canvas, line, y, size=size) if line else y


def _qr(canvas: Canvas, document: Certificate, *, top: float, width: float) -> float:
    """The QR code centred under ``top``, its quiet zone included; returns the height used."""
    matrix = document.qr().matrix
    modules = len(matrix) + 2 * _QUIET_MODULES
    size = min(width - 2 * _MARGIN, 62 * mm)
    module = size / modules
    left = (width - size) / 2
    canvas.setFillGray(0)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                canvas.rect(
                    left + (col + _QUIET_MODULES) * module,
                    top - (row + _QUIET_MODULES + 1) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )
    return size
