"""Words for search: folding, stop words and Snowball stems, per language.

A word has two forms here. Its *surface* is the folded word as typed (lower case, accents
dropped, "ß" → "ss"); its *stem* is the Snowball stem of the unfolded word, then folded. The
index ships a table surface → stem, so the browser, which has no Snowball, finds the same stem
for every word that occurs in the guides (static/js/guides-rank.js folds exactly like `fold`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import Stemmer

LANGUAGES = ("en", "sv", "de")
SNOWBALL = {"en": "english", "sv": "swedish", "de": "german"}
FOLD = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th"}
MIN_WORD = 2  # one-letter words ("I", "s" of "client's") carry nothing
# Words every guide is about, or that every question a mentor types contains: they would rank
# by noise. Added to each language's standard list: the client and mentor themselves, question
# words, and verbs of reporting ("he says", "sie redet von"): they carry no situation, yet as
# full words of the query they made guides that merely repeat them outrank the one the rest
# names ("er spricht von Suizid" found the guide on threats to others first).
EXTRA_STOP = {
    "en": "client clients mentor what should do does did im ive dont doesnt cant wont hes shes "
    "its thats whats get got think says said saying talks talking talked tells keeps",
    "sv": "klient klienten klientens klienter mentor mentorn vad ska bör gör göra gjorde tror "
    "säger sa pratar pratade snackar berättar",
    "de": "klient klienten klientin mentor mentorin was soll sollte tun macht mache glaube "
    "sagt sagte spricht sprach redet erzählt",
}
# Endings tried when a typed word is not in the table: "grieving" → "griev" (the stem of
# "grieve"). Longest first; what is left must be at least MIN_REST letters.
SUFFIXES = {
    "en": [
        "ingly",
        "ness",
        "ment",
        "ings",
        "ing",
        "ers",
        "ies",
        "ied",
        "ed",
        "es",
        "er",
        "ly",
        "s",
    ],
    "sv": [
        "arna",
        "erna",
        "orna",
        "heten",
        "ande",
        "ende",
        "het",
        "are",
        "ade",
        "ar",
        "er",
        "or",
        "en",
        "et",
        "na",
        "a",
        "e",
        "s",
        "t",
    ],
    "de": ["ungen", "ung", "en", "er", "es", "em", "st", "te", "e", "n", "s"],
}
MIN_REST = 3
# Letters that join the parts of a compound ("Suizid|gedanken", "självmord|s|tankar").
# English has closed compounds too ("psychoeducation", "caseworker"), without linking letters.
LINKING = {"en": [""], "sv": ["", "s", "e", "o", "u"], "de": ["", "s", "es", "n", "en", "e", "er"]}

_MARKS = re.compile("[\u0300-\u036f]")
_NON_WORD = re.compile("[^a-z0-9]+")
_RAW_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case, special letters mapped, accents dropped, anything else a single space."""
    text = text.lower()
    for letter, plain in FOLD.items():
        text = text.replace(letter, plain)
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return _NON_WORD.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The folded words of `text` worth searching for (two letters or more), in order."""
    folded = fold(text)
    return [w for w in folded.split(" ") if len(w) >= MIN_WORD] if folded else []


@cache
def stop_words(language: str) -> frozenset[str]:
    """bm25s's list for `language`, folded, plus EXTRA_STOP (imported here: bm25s loads numpy
    and scipy, which a process that never builds an index need not pay for)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_GERMAN, STOPWORDS_SWEDISH

    standard = {"en": STOPWORDS_EN_PLUS, "sv": STOPWORDS_SWEDISH, "de": STOPWORDS_GERMAN}
    folded = {w for word in standard[language] for w in words(word)}
    return frozenset(folded | set(EXTRA_STOP[language].split()))


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(SNOWBALL[language])


def phrase_tokens(text: str, language: str) -> list[str]:
    """A name's words as a phrase term spells them: stop words as they are, others stemmed."""
    stemmer = _stemmer(language)
    stop = stop_words(language)
    found = []
    for raw in _RAW_WORD.findall(text.lower()):
        parts = words(raw)
        if len(parts) == 1 and parts[0] not in stop:
            found.append(fold(stemmer.stemWord(raw)) or parts[0])
        else:
            found.extend(parts)
    return found


def analysed(text: str, language: str) -> list[tuple[str, str]]:
    """(surface, stem) for every word of `text` that is not a stop word, in order."""
    stemmer = _stemmer(language)
    stop = stop_words(language)
    found = []
    for raw in _RAW_WORD.findall(text.lower()):
        parts = words(raw)
        if len(parts) == 1 and parts[0] not in stop:
            found.append((parts[0], fold(stemmer.stemWord(raw)) or parts[0]))
        else:  # a word that folds into several (or none): each part stands for itself
            found.extend((p, p) for p in parts if p not in stop)
    return found
