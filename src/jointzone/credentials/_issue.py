"""The claims of a certificate the log issued: one pure function, so every node builds the same.

Each party's node signs the certificate of a committed ``certificate.issue`` entry on its own,
with its own key, and the signatures are then put together. That works only if every node builds
byte-for-byte the same claims from the same entry — and Ed25519 being deterministic, each node's
signature can then be checked by anyone who rebuilds them. So nothing here depends on anything but
its arguments, all of which the log fixes: the certificate's record and the regime in force.

Choices, each to keep the seed's certificates within QR version 15 at level Q:
- ``iss`` is the regime's id; ``cti`` the certificate id's UTF-8 bytes.
- Names: the participant's names keyed by BCP 47 tag (``ja``, ``ja-Latn``, ``ru``) become names
  keyed by ISO 15924 script: the tag's script subtag if it has one, else the language's usual
  script (:data:`DEFAULT_SCRIPTS`). Where two tags give one script, the tag that names its script
  wins, then the first in sorted order — a fixed rule, not the order the names came in.
- Places are their gazetteer codes, the category its regime code, the project its number in
  the log (1 for the first approved): refs would not fit (``pilot-tour-2019`` alone is 16
  bytes, a code 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from jointzone.credentials._claims import SCRIPTS, CertificateClaims, ParticipantName
from jointzone.credentials.errors import InvalidClaimsError

if TYPE_CHECKING:  # only its type: the codec imports no other package at run time
    from jointzone.regime import Regime

#: The script a language is written in when its tag names none (extend as regimes need).
DEFAULT_SCRIPTS: Mapping[str, str] = MappingProxyType(
    {
        "ja": "Jpan",
        "ru": "Cyrl",
        "en": "Latn",
        "fr": "Latn",
        "de": "Latn",
        "es": "Latn",
        "zh": "Hani",
        "ko": "Kore",
        "uk": "Cyrl",
        "ar": "Arab",
        "he": "Hebr",
        "el": "Grek",
    }
)


def script_of(tag: str) -> str:
    """The ISO 15924 script a name tagged ``tag`` (BCP 47) is written in."""
    parts = tag.split("-")
    for sub in parts[1:]:
        if len(sub) == 4 and sub.isalpha():
            script = sub[0].upper() + sub[1:].lower()
            if script in SCRIPTS:
                return script
            raise InvalidClaimsError(
                f"name tag {tag!r}: expected a script of {sorted(SCRIPTS)}, found {script!r}"
            )
    default = DEFAULT_SCRIPTS.get(parts[0])
    if default is None:
        raise InvalidClaimsError(
            f"name tag {tag!r}: expected a script subtag or a language of "
            f"{sorted(DEFAULT_SCRIPTS)}, found {parts[0]!r}"
        )
    return default


def names_by_script(names: Mapping[str, str]) -> tuple[ParticipantName, ...]:
    """One name per script from names keyed by BCP 47 tag (see the module docstring)."""
    chosen: dict[str, tuple[bool, str, str]] = {}
    for tag in sorted(names):
        script = script_of(tag)
        explicit = any(len(sub) == 4 and sub.isalpha() for sub in tag.split("-")[1:])
        current = chosen.get(script)
        if current is None or (explicit and not current[0]):
            chosen[script] = (explicit, tag, names[tag])
    return tuple(ParticipantName(script, name) for script, (_, _, name) in chosen.items())


def certificate_claims(
    regime: Regime,
    *,
    certificate: str,
    names: Mapping[str, str],
    party: str,
    project: int,
    category: str,
    places: Sequence[str],
    valid_from: datetime,
    valid_to: datetime,
    issued_at: datetime,
) -> CertificateClaims:
    """The claims of the certificate ``certificate`` as the log issued it (see the docstring)."""
    gazetteer = regime.gazetteer
    codes: list[int | str] = []
    for ref in places:
        code = gazetteer.place(ref).code
        if code is None:
            raise InvalidClaimsError(f"place {ref!r}: expected a gazetteer code, found none")
        codes.append(code)
    category_code = regime.category(category).code
    if category_code is None:
        raise InvalidClaimsError(f"category {category!r}: expected a regime code, found none")
    return CertificateClaims(
        certificate_id=certificate.encode("utf-8"),
        issuer=regime.id,
        names=names_by_script(names),
        party=party,
        project=project,
        category=category_code,
        places=tuple(codes),
        not_before=valid_from,
        expires=valid_to,
        issued_at=issued_at,
    )
