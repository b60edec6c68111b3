"""Neutrality: the gazetteer's forms, the one name renderer, and the without-prejudice checker.

Pure: data in, data out. The only I/O is :func:`load_lexicon`, which reads a regime's lexicon
(and, once at import, the package's own table of lookalike letters, ``confusables.tsv``).

The checker's rules (letters as in the design issue):

    a  one-sided-name           one side's name alone for a place whose names differ
    b  admin-attribution        the zone put in one party's administrative unit
    c  one-sided-term           one side's collective term alone
    d  possessive-attribution   "Russia's Kunashir", "日本の択捉島", "Iturup, Russia"
    e  claim-language           "illegally occupied", "固有の領土", "исконно российские"

Typography
----------
The checker reads through typography: NFKC forms, any kind or run of spaces, line breaks inside
a term, invisible characters and letters that look alike across Latin, Cyrillic and Greek
("Kurіl Islands" with a Cyrillic "і"). Findings still point at the text as written (see
:mod:`jointzone.neutrality._typography`).

Quotations attributed to a party
--------------------------------
A party's verbatim words (a committee's minutes quoting a delegation) may take that party's side;
they are reported as *attributed* (``Finding.attributed``), and do not block, when marked as the
party's in either of two ways:

1. Quotation marks — “…”, "…", «…», „…“, 「…」, 『…』 — in a sentence that names the party (its
   name, adjective or a speaker such as "the Russian delegation", "日本側", "российская
   сторона") and has a verb of saying ("said", "stated", "述べた", "заявила"...) before or after
   the quotation::

       The Russian delegation said: "The Southern Kurils are Russian territory."
       日本側は「北方領土は日本固有の領土だ」と述べた。
       «Южные Курилы — исконно российская земля», — заявила российская сторона.

2. Explicit markers naming the party by its regime id, for text where no sentence frames the
   quotation::

       [quote=japan]北方四島の返還を求める。[/quote]

Quotation marks without a party and a verb of saying ("so-called "return"") attribute nothing.
"""

from jointzone.neutrality._checker import Checker
from jointzone.neutrality._finding import FieldFinding, Finding, Rule
from jointzone.neutrality._forms import fold, russian_forms
from jointzone.neutrality._index import FormIndex
from jointzone.neutrality._lexicon import Claim, Lexicon, PartyWords, Term, load_lexicon
from jointzone.neutrality._render import Audience, NamedPlace, NameRenderer, render_name
from jointzone.neutrality._sections import sections
from jointzone.neutrality.errors import LexiconFileError, NeutralityError, RenderError

__all__ = [
    "Audience",
    "Checker",
    "Claim",
    "FieldFinding",
    "Finding",
    "FormIndex",
    "Lexicon",
    "LexiconFileError",
    "NameRenderer",
    "NamedPlace",
    "NeutralityError",
    "PartyWords",
    "RenderError",
    "Rule",
    "Term",
    "fold",
    "load_lexicon",
    "render_name",
    "russian_forms",
    "sections",
]
