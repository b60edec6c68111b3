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

import hashlib
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
from jointzone.trust import VerifierTable

#: Where Debian puts the font the card uses; ``--font`` or ``JOINTZONE_CARD_FONT`` name another.
DEFAULT_FONTS = (
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
)
#: The largest font file read: a whole CJK TrueType font is some 6 to 20 MB.
MAX_FONT_BYTES = 48 * 2**20
_MARGIN = 7 * mm
_QUIET_MODULES = 4


def find_font(given: Path | None) -> Path:
    """The TrueType font to embed: ``given``, else ``JOINTZONE_CARD_FONT``, else Debian's."""
    if given is None and (env := os.environ.get("JOINTZONE_CARD_FONT")):
        given = Path(env)
    if given is not None:
        if not given.is_file():
            raise CliError(f"--font: no font file at {given} (a regular file is needed)")
        size = given.stat().st_size
        if size > MAX_FONT_BYTES:
            raise CliError(
                f"--font: {given} has {size:,} bytes; a font may have at most {MAX_FONT_BYTES:,}"
            )
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
    table: VerifierTable,
    language: str,
    font: Path,
    signers: Mapping[str, str],
) -> bytes:
    """The card's PDF bytes in ``language``, one of the regime's, with the names the verifier
    table gives (the same an officer's verifier shows). ``signers`` gives each party's
    certificate key id (hex) that signed the document."""
    _ = messages(language)
    h = holder(document, table, language)
    certificate_id = document.claims.certificate_id.decode("utf-8", "replace")
    title = _("Participant certificate")
    out = io.BytesIO()
    card = _Card(out, _registered(font))
    card.canvas.setTitle(f"{title} {certificate_id}")
    card.canvas.setSubject(table.issuer)
    width, height = A6
    y = card.line(title, height - _MARGIN, size=11)
    y -= 1 * mm
    for script, name in h.names:
        y = card.line(name, y, size=13, note=script)
    y -= 1 * mm
    fields = [
        (_("Party of origin"), h.party),
        (_("Project"), h.project_text),
        (_("Category"), h.category),
        (_("Permitted places"), "; ".join(h.places)),
        (_("Valid"), f"{h.valid_from} – {h.valid_to} (UTC)"),
        (_("Certificate"), certificate_id),
    ]
    for label, value in fields:
        y = card.wrapped(f"{label}: {value}", y, size=7.5)
    y -= 2 * mm
    y -= _qr(card.canvas, document, top=y, width=width) + 1 * mm
    order = table.name_order.get(language, tuple(p.id for p in table.parties))
    for party in (p for p in order if p in signers):
        signer = table.party(party)
        statement = _("Signed for {party} with certificate key {kid}").format(
            party=party if signer is None else signer.names.get(language, party),
            kid=signers[party],
        )
        y = card.wrapped(statement, y, size=6.5)
    card.canvas.showPage()
    card.canvas.save()
    return out.getvalue()


def _registered(font: Path) -> TTFont:
    """``font`` registered under a name of its own path: ReportLab keeps fonts by name,
    process-wide, and a card must be drawn in the font it was given."""
    name = "JointzoneCard-" + hashlib.sha256(str(font.resolve()).encode()).hexdigest()[:12]
    try:
        face = TTFont(name, str(font))
    except (TTFError, OSError) as e:
        raise CliError(f"--font: {font} is not a TrueType font that can be embedded: {e}") from e
    pdfmetrics.registerFont(face)
    return face


class _Card:
    """A page being drawn in one embedded font, refusing text the font has no glyph for."""

    def __init__(self, out: io.BytesIO, font: TTFont) -> None:
        self.font = font
        self._glyphs = font.face.charToGlyph
        # The initial font is the embedded one, so the page names no font it does not embed
        # (types-reportlab types initialFontName as a number, which ReportLab does not).
        self.canvas = Canvas(
            out,
            pagesize=A6,
            pageCompression=1,
            invariant=True,
            initialFontName=font.fontName,  # type: ignore[arg-type]
        )

    def line(self, text: str, y: float, *, size: float, note: str | None = None) -> float:
        """``text`` on the line below ``y`` (and ``note`` at its right); returns its baseline."""
        missing = {c for c in text + (note or "") if ord(c) not in self._glyphs}
        missing = {c for c in missing if not c.isspace()}
        if missing:
            raise CliError(
                f"the card's font has no glyph for {''.join(sorted(missing))!r}: give a font "
                "that covers every script the card shows with --font"
            )
        y -= size * 1.25
        self.canvas.setFont(self.font.fontName, size)
        self.canvas.drawString(_MARGIN, y, text)
        if note is not None:
            self.canvas.setFont(self.font.fontName, 6)
            self.canvas.drawRightString(A6[0] - _MARGIN, y, note)
        return y

    def wrapped(self, text: str, y: float, *, size: float) -> float:
        """``text`` over as many lines as the margins need, broken between characters where a
        word does not fit (Japanese has no spaces)."""
        width = A6[0] - 2 * _MARGIN
        line = ""
        for char in text:
            if line and pdfmetrics.stringWidth(line + char, self.font.fontName, size) > width:
                y = self.line(line, y, size=size)
                line = char.lstrip()
            else:
                line += char
        return self.line(line, y, size=size) if line else y


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
