"""What the checker reports: findings, each naming its rule, its words and a neutral rewrite."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Rule(StrEnum):
    """The checker's rules; the letter is the issue's, the value is what a linter prints."""

    ONE_SIDED_NAME = "one-sided-name"
    ADMIN_ATTRIBUTION = "admin-attribution"
    ONE_SIDED_TERM = "one-sided-term"
    POSSESSIVE_ATTRIBUTION = "possessive-attribution"
    CLAIM_LANGUAGE = "claim-language"

    @property
    def letter(self) -> str:
        return "abcde"[list(Rule).index(self)]


@dataclass(frozen=True)
class Finding:
    """One place in a text where the text takes a side.

    ``start``/``end`` are offsets into the checked text (``text[start:end] == words``);
    ``party`` is the side the words favour, where one does; ``suggestion`` is a neutral text to
    write instead of ``words``. An ``attributed`` finding lies inside a quotation marked as that
    party's (``attributed_to``): it is reported, and it does not block.
    """

    rule: Rule
    start: int
    end: int
    words: str
    message: str
    suggestion: str
    attributed: bool
    language: str
    party: str | None = None
    attributed_to: str | None = None

    @property
    def blocking(self) -> bool:
        """Whether this finding stops an act from being signed."""
        return not self.attributed


@dataclass(frozen=True)
class FieldFinding:
    """A finding in one named free-text field of an act or document."""

    field: str
    finding: Finding

    @property
    def blocking(self) -> bool:
        return self.finding.blocking
