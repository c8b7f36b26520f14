"""The guide library is faithful to its sources and safe to follow in a hard moment.

One test per kind of fault the content review fixed (mentor_app/content/FORMAT.md, "Fidelity
rules"). Each test prints how many guides or sentences it examined and asserts a minimum, so a
pattern that stopped matching anything cannot pass quietly.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from mentor_app.playbooks import policy
from mentor_app.playbooks.loader import GuideSource, load_library
from mentor_app.playbooks.render import first_read_words, markdown_to_text, parse_sections
from tests.playbooks.paper_claims import PAPER_CLAIMS

PAPER = Path(__file__).parent / "data" / "ran-2021-mental-health-drr.txt"
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”]))\s+(?=[A-Z\"“(])")
MENTAL_ILLNESS_GUIDE = "mental-illness-flaring"


@cache
def library() -> tuple[GuideSource, ...]:
    loaded = load_library()
    assert loaded.problems == [], loaded.problems
    return tuple(loaded.guides)


@cache
def sections(slug: str) -> dict[str, str]:
    guide = next(g for g in library() if g.slug == slug)
    return parse_sections(guide.body).sections


def lines(slug: str, names: tuple[str, ...] | None = None) -> list[str]:
    """The guide's list items and paragraphs, as a reader sees them, one per line."""
    found: list[str] = []
    for name, text in sections(slug).items():
        if names is None or name in names:
            found += [line for line in markdown_to_text(text).split("\n") if line.strip()]
    return found


def sentences(slug: str, names: tuple[str, ...]) -> list[str]:
    return [s for line in lines(slug, names) for s in SENTENCE_END.split(line)]


def first_read(slug: str) -> str:
    return "\n".join(lines(slug, policy.FIRST_READ))


def report(kind: str, **counts: int) -> None:
    print(f"fidelity [{kind}]: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def normalise(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    return " ".join(text.lower().split())


# --- real monitoring is not a symptom -------------------------------------------------------

WATCHED = re.compile(r"\b(watched|suspicio\w*|persecut\w*|plotted against|paranoi\w*)\b", re.I)
# A sign of illness is the fear spreading beyond what is real, or coming with other changes.
QUALIFIED = re.compile(
    r"beyond|\breal\b|everyone|strangers|the TV|with (poor sleep|fear|confusion|hearing voices)",
    re.I,
)
DENIAL = re.compile(
    r"\b(nobody|no one|no-one)('s| is| are)? (is )?(watching|following|monitoring|spying|"
    r"listening)|\byou('re| are) not being (watched|followed|monitored)",
    re.I,
)
WATCHED_WORDS_FOR_ILLNESS = {"paranoid", "paranoia", "suspicious", "watched", "followed"}


def test_real_monitoring_is_not_treated_as_a_symptom() -> None:
    signs = denials_checked = 0
    problems = []
    for guide in library():
        # Wherever the mentor is told what to watch for, feeling watched alone is no sign.
        about_illness = guide.slug in {MENTAL_ILLNESS_GUIDE, "when-to-consult-psychologist"}
        where = policy.FIRST_READ if about_illness else ("Call a consultant when",)
        for line in lines(guide.slug, where):
            if WATCHED.search(line) and not re.search(r"^Immediate danger", line):
                signs += 1
                if not QUALIFIED.search(line):
                    problems.append(f"{guide.slug}: feeling watched as a sign by itself: {line}")
        # Nobody scripts the mentor into denying monitoring they may not know about.
        for sentence in sentences(guide.slug, ("First minute", "Steps", "Say")):
            denials_checked += 1
            told_not_to = re.match(r"(Never|Don't|Do not)\b", sentence)
            if DENIAL.search(sentence) and not told_not_to:
                problems.append(f"{guide.slug}: denies monitoring: {sentence}")
    guide = next(g for g in library() if g.slug == MENTAL_ILLNESS_GUIDE)
    words = {w.lower() for w in guide.tags + guide.synonyms}
    problems += [
        f"{MENTAL_ILLNESS_GUIDE}: search word {w!r}" for w in words & WATCHED_WORDS_FOR_ILLNESS
    ]
    report("monitoring", signs_checked=signs, lines_checked=denials_checked)
    assert signs >= 5 and denials_checked >= 500
    assert not problems, "\n".join(problems)


# --- conspiracy belief is not psychosis -----------------------------------------------------


def mental_illness_guides() -> list[GuideSource]:
    return [g for g in library() if g.slug == MENTAL_ILLNESS_GUIDE or "psychosis" in g.tags]


def test_conspiracy_belief_is_not_filed_under_mental_illness() -> None:
    problems = []
    illness = mental_illness_guides()
    for guide in illness:
        for word in guide.tags + guide.synonyms:
            if re.search(r"conspira|strange|weird|odd\b", word, re.I):
                problems.append(f"{guide.slug}: tag or synonym {word!r}")
        for sentence in sentences(guide.slug, policy.SECTIONS):
            if re.search(r"conspira", sentence, re.I) and not re.search(r"\bnot\b", sentence):
                problems.append(f"{guide.slug}: {sentence}")
    elsewhere = [g.slug for g in library() if any("conspira" in s for s in g.synonyms)]
    report("conspiracy", illness_guides=len(illness), guides_taking_conspiracy=len(elsewhere))
    assert illness and elsewhere, "conspiracy searches need a home outside the illness guide"
    assert not set(elsewhere) & {g.slug for g in illness}
    assert not problems, "\n".join(problems)


# --- risk routes at the right level ---------------------------------------------------------

UNREACHABLE = re.compile(
    r"can't be reached|cannot be reached|unreachable|no contact for|fear for them|disappear",
    re.I,
)
SUICIDE = re.compile(
    r"suicid|end(ing)? (their|your|my) life|not being around|no reason to live|"
    r"not going back alive|joining the person who died",
    re.I,
)
HARM_OTHERS = re.compile(r"harm(ing)? (anyone|someone|others)|hurting anyone else", re.I)
MEANS = re.compile(r"\bmeans\b", re.I)
CRISIS_SERVICE = re.compile(r"psychiatric crisis service", re.I)
# Guides about a mental illness or a worsening mood: the crisis service is part of the route.
CRISIS_GUIDES = (
    MENTAL_ILLNESS_GUIDE,
    "depression-hopelessness",
    "when-to-consult-psychologist",
    "no-therapist-waiting-list",
)


def test_every_warning_list_opens_with_the_emergency_line() -> None:
    problems = []
    for guide in library():
        first = lines(guide.slug, ("Call a consultant when",))[0]
        if not re.search(r"emergency number", first) or "first" not in first:
            problems.append(f"{guide.slug}: {first}")
    report("emergency line", guides=len(library()))
    assert not problems, "\n".join(problems)


def test_unreachable_and_at_risk_means_a_welfare_check_and_the_case_manager_now() -> None:
    checked = 0
    problems = []
    for guide in library():
        for line in lines(guide.slug, policy.FIRST_READ):
            if UNREACHABLE.search(line):
                checked += 1
                routed = re.search(r"welfare check|emergency number", line) and re.search(
                    r"case manager", line
                )
                if not routed:
                    problems.append(f"{guide.slug}: {line}")
    report("unreachable", lines=checked)
    assert checked >= 3
    assert not problems, "\n".join(problems)


def test_suicidal_talk_also_asks_about_harm_to_others_and_access_to_means() -> None:
    checked = 0
    problems = []
    for guide in library():
        text = first_read(guide.slug)
        if SUICIDE.search(text):
            checked += 1
            if not HARM_OTHERS.search(text):
                problems.append(f"{guide.slug}: no question about harming others")
            if not MEANS.search(text):
                problems.append(f"{guide.slug}: no question about access to means")
    report("suicide", guides=checked)
    assert checked >= 20
    assert not problems, "\n".join(problems)


def test_rapid_deterioration_goes_to_the_psychiatric_crisis_service() -> None:
    checked = 0
    problems = [
        f"{slug}: no crisis service"
        for slug in CRISIS_GUIDES
        if not CRISIS_SERVICE.search(first_read(slug))
    ]
    for guide in library():
        for line in lines(guide.slug, policy.FIRST_READ):
            if re.search(
                r"rapid(ly)? (worse|deteriorat)|deteriorat|getting rapidly worse", line, re.I
            ):
                checked += 1
                if not re.search(r"crisis service|emergency number", line):
                    problems.append(f"{guide.slug}: {line}")
    report("deterioration", lines=checked, crisis_guides=len(CRISIS_GUIDES))
    assert checked >= 3
    assert not problems, "\n".join(problems)


# --- transparency has its limit ---------------------------------------------------------------

TELLS_WHAT_IS_SHARED = re.compile(
    r"tell (the client|them|you|him|her)\b[^.]*\bwhat (you|I|we)('ve)? "
    r"(share|shared|pass|passed)|"
    r"tell (them|you|the client) (before you share|first)|"
    r"what (you|I) (share|shared|pass on) and why|"
    r"I'll tell you (exactly )?what I pass on",
    re.I,
)
RISK_EXCEPTION = re.compile(r"unless (telling|that|this)\b[^.]*\b(at risk|in danger)", re.I)


def test_telling_the_client_what_is_shared_carries_the_risk_exception() -> None:
    checked = 0
    problems = []
    for guide in library():
        for sentence in sentences(guide.slug, policy.FIRST_READ):
            if TELLS_WHAT_IS_SHARED.search(sentence):
                checked += 1
                if not RISK_EXCEPTION.search(sentence):
                    problems.append(f"{guide.slug}: {sentence}")
    report("transparency", sentences=checked)
    assert checked >= 5
    assert not problems, "\n".join(problems)


# --- disclosure duties ------------------------------------------------------------------------

EMPLOYER = re.compile(r"\b(employers?|landlords?|boss|job application|new application|CV)\b", re.I)
TELLING = re.compile(r"\b(tell|told|say|speak|speaks|answer|disclos\w*|hear|inform|know)\b", re.I)
DUTY = re.compile(r"must disclose\b[^.]*\bby law or licence", re.I)


def test_talking_to_employers_or_landlords_checks_disclosure_duties() -> None:
    checked = 0
    problems = []
    for guide in library():
        for line in lines(guide.slug, policy.FIRST_READ):
            if EMPLOYER.search(line) and TELLING.search(line):
                checked += 1
                if not DUTY.search(line):
                    problems.append(f"{guide.slug}: {line}")
    report("disclosure", lines=checked)
    assert checked >= 3
    assert not problems, "\n".join(problems)


# --- attribution exactly as strong as the source ----------------------------------------------

ATTRIBUTION = re.compile(
    r"\b(?i:the|this|its) paper\b|\b(?i:participants?)\b|\b(?i:in the meeting)\b|\bRAN\b|"
    r"^It (says|notes|recommends|asks|gives|calls|names|describes|reminds|adds|suggests|"
    r"applies|warns|stresses)\b"
)
NEVER_SAID_OF_THE_PAPER = re.compile(
    r"\b(the paper|it) (finds|found|shows|showed|proves|proved|demonstrates|establishes)\b", re.I
)
# Words that make an attribution strong: the paper's own words must be as strong.
STRENGTH = ("stress", "crucial", "key", "warn", "most important", "major", "exceptionally",
            "important", "insist")  # fmt: skip
STUDY_WORDS = re.compile(
    r"\bfound (that|a|an|more|fewer|less|no|the)\b|\bresearch\b|\bstud(y|ies) (show|found)|"
    r"\bevidence (shows|suggests)"
)
EMPIRICAL = ("Binswanger", "Merrall", "Holman", "Dazzi", "Rose", "NICE", "Birchwood")


@cache
def paper_text() -> str:
    return normalise(PAPER.read_text(encoding="utf-8"))


def test_every_curated_quote_is_in_the_paper() -> None:
    quotes = absences = 0
    problems = []
    for slug, claims in PAPER_CLAIMS.items():
        for claim in claims:
            if claim.paper_says:
                quotes += 1
                if normalise(claim.paper_says) not in paper_text():
                    problems.append(f"{slug}: not in the paper: {claim.paper_says}")
            for word in claim.absent:
                absences += 1
                if re.search(r"\b" + re.escape(normalise(word)), paper_text()):
                    problems.append(f"{slug}: the paper does use {word!r}")
            if not claim.paper_says and not claim.absent:
                problems.append(f"{slug}: claim without a quote: {claim.guide_says}")
    report("paper quotes", quotes=quotes, absences=absences)
    assert quotes >= 150
    assert not problems, "\n".join(problems)


def test_what_a_guide_attributes_to_the_paper_is_there_as_strongly() -> None:
    checked = 0
    problems = []
    for guide in library():
        claims = PAPER_CLAIMS.get(guide.slug, [])
        text = normalise(" ".join(lines(guide.slug)))
        for claim in claims:
            if normalise(claim.guide_says) not in text:
                problems.append(
                    f"{guide.slug}: stale claim (no longer in the guide): {claim.guide_says}"
                )
        names = tuple(n for n in policy.SECTIONS if n != "Sources")
        for sentence in sentences(guide.slug, names):
            if not ATTRIBUTION.search(sentence):
                continue
            checked += 1
            if NEVER_SAID_OF_THE_PAPER.search(sentence):
                problems.append(f"{guide.slug}: the paper reports a meeting: {sentence}")
            matched = [c for c in claims if normalise(c.guide_says) in normalise(sentence)]
            if not matched:
                problems.append(f"{guide.slug}: attribution with no checked quote: {sentence}")
                continue
            quotes = normalise(" ".join(c.paper_says for c in matched))
            for word in STRENGTH:
                if re.search(rf"\b{word}", sentence, re.I) and word not in quotes:
                    problems.append(
                        f"{guide.slug}: {word!r} is stronger than the paper: {sentence}"
                    )
    report("attribution", sentences=checked, guides_with_claims=len(PAPER_CLAIMS))
    assert checked >= 100
    assert set(PAPER_CLAIMS) <= {g.slug for g in library()}
    assert not problems, "\n".join(problems)


def test_only_a_study_finds_and_what_a_book_says_is_not_research() -> None:
    checked = 0
    problems = []
    for guide in library():
        for sentence in sentences(guide.slug, policy.SECTIONS[:-1]):
            if STUDY_WORDS.search(sentence):
                checked += 1
                if not any(name in sentence for name in EMPIRICAL):
                    problems.append(f"{guide.slug}: {sentence}")
    report("studies", sentences=checked)
    assert checked >= 1
    assert not problems, "\n".join(problems)


# --- added practice names its source ----------------------------------------------------------

PRACTICE_SOURCES = {
    r"safety[- ]plan": "Stanley",
    r"psychological first aid": "Psychological first aid",
    r"\bOARS\b|change talk|righting reflex": "Miller",
    r"miracle question": "de Shazer",
    r"Good Lives": "Ward",
    r"relapse[- ]prevention": "Marlatt",
    r"restorative": "Zehr",
    r"naloxone|harm[- ]reduction": "World Health Organization",
    r"lone[- ]work": "Health and Safety Executive",
    r"secondary trauma": "Figley",
    r"stress-vulnerability": "Zubin",
    r"early[- ]signs": "Birchwood",
    r"dual process": "Stroebe",
    r"trauma-informed": "Substance Abuse and Mental Health Services Administration",
    r"withdrawal rupture|confrontation rupture": "Safran",
    r"threat-assessment|leakage|warning behaviour": "Meloy",
    r"forced[- ]marriage": "HM Government",
    r"psychological debriefing": "Rose",
    r"persecutory": "Freeman",
    r"structured problem solving": "D'Zurilla",
    r"deradicalisation": "Horgan",
    r"Victims' Rights Directive": "2012/29/EU",
    r"information-sharing guidance": "HM Government (2018)",
    r"empathic confrontation": "RAN Mental Health Working Group",
    r"schema therapy": "RAN Mental Health Working Group",
}


def test_added_practice_names_its_source() -> None:
    uses = 0
    problems = []
    for guide in library():
        body = "\n".join(
            lines(guide.slug, tuple(n for n in policy.SECTIONS if n not in {"Related", "Sources"}))
        )
        cited = sections(guide.slug)["Sources"]
        for term, source in PRACTICE_SOURCES.items():
            if re.search(term, body, re.I):
                uses += 1
                if source not in cited:
                    problems.append(f"{guide.slug}: uses {term!r} without citing {source}")
    report("practice sources", uses=uses)
    assert uses >= 25
    assert not problems, "\n".join(problems)


# --- no stigma ----------------------------------------------------------------------------------

STIGMATISING = re.compile(
    r"\b(strange|odd|bizarre|weird|crazy|mad|psycho(?!-)|nutter|lunatic|manipulative)\b|"
    r"people who have been in prison (learn|are|always|tend)|"
    r"\b(ex-)?(prisoners|offenders|inmates) (always|tend to|learn to|are all)\b|"
    r"\ball (offenders|prisoners|extremists)\b",
    re.I,
)
DIAGNOSES = re.compile(
    r"\bADHD\b|personality disorder|psychos[ie]s|psychotic|schizophren|bipolar|PTSD|borderline|"
    r"autis",
    re.I,
)


def test_no_stigmatising_words_generalisations_or_diagnosis_led_titles() -> None:
    checked = 0
    problems = []
    for guide in library():
        # "Avoid" quotes what not to say, so it may hold the words it warns against.
        for line in lines(guide.slug, tuple(n for n in policy.SECTIONS if n != "Avoid")):
            checked += 1
            if STIGMATISING.search(line):
                problems.append(f"{guide.slug}: {line}")
        for title in (guide.title, guide.short_title or ""):
            if DIAGNOSES.search(title):
                problems.append(f"{guide.slug}: a diagnosis leads the title: {title}")
    report("stigma", lines=checked, titles=len(library()))
    assert checked >= 1000
    assert not problems, "\n".join(problems)


# --- readable in the moment ---------------------------------------------------------------------

ACTIONS = {
    "acknowledge", "add", "admit", "agree", "ask", "be", "book", "breathe", "bring", "call",
    "carry", "check", "confirm", "decide", "do", "don't", "end", "find", "get", "give",
    "handle", "help", "keep", "let", "listen", "log", "lower", "name", "note", "offer", "open",
    "pick", "put", "reach", "reflect", "say", "see", "send", "sit", "speak", "stay", "suggest",
    "take", "tap", "tell", "thank", "trust", "write",
}  # fmt: skip
# The first minute is now: nothing to be done "weeks before the end".
LATER = re.compile(r"\b(weeks before|months before|next year|before the end|at the end)\b", re.I)
# "If anyone is in danger, call…", "Immediate danger? Call…", "After an incident, ask…"
CONDITION = re.compile(
    r"^((Otherwise|Then)\s+(?=[a-z])|(If|When|After|Before|To a relative)\b[^,;:]*[,;:]\s*|"
    r"[^.:?]{1,60}\?\s+|[^.:?]{1,40}:\s+(?=[a-z]))"
)


def first_word(text: str) -> str:
    words = text.split()
    return words[0].lower().strip(",.:;") if words else ""


def test_first_minute_is_things_to_do_in_the_first_minute() -> None:
    checked = 0
    problems = []
    for guide in library():
        for line in lines(guide.slug, ("First minute",)):
            checked += 1
            verb = first_word(line)
            if verb not in ACTIONS:
                verb = first_word(CONDITION.sub("", line, count=1))
            if verb not in ACTIONS or LATER.search(line):
                problems.append(f"{guide.slug}: {line}")
    report("first minute", lines=checked)
    assert checked >= 3 * 40
    assert not problems, "\n".join(problems)


def test_titles_fit_a_phone_and_the_first_read_fits_two_minutes() -> None:
    words = {g.slug: first_read_words(sections(g.slug)) for g in library()}
    longest_title = max(len(g.title) for g in library())
    report("readability", longest_title=longest_title, most_words=max(words.values()))
    assert longest_title <= policy.TITLE_MAX
    assert max(words.values()) <= policy.FIRST_READ_MAX_WORDS, max(
        words.items(), key=lambda kv: kv[1]
    )


PROVENANCE = re.compile(
    r"\bthe paper\b|\bRAN\b|\bet al\b|\band colleagues\b|\(\D{0,40}\d{4}\)|\bparticipants?\b"
)


def test_provenance_lives_in_why_not_in_the_part_read_first() -> None:
    problems = []
    for guide in library():
        if not markdown_to_text(sections(guide.slug)["Why"]).strip():
            problems.append(f"{guide.slug}: empty Why")
        for line in lines(guide.slug, policy.FIRST_READ):
            if PROVENANCE.search(line):
                problems.append(f"{guide.slug}: {line}")
    report("why", guides=len(library()))
    assert not problems, "\n".join(problems)


VAGUE = re.compile(
    r"\b(several|many|a few|often|repeatedly|frequent(ly)?|a lot|for a while|some time|"
    r"long periods|most nights|keeps? (coming back|returning|happening|repeating))\b",
    re.I,
)


def test_warning_signs_are_observable() -> None:
    checked = 0
    problems = []
    for guide in library():
        for line in lines(guide.slug, ("Call a consultant when",)):
            checked += 1
            if VAGUE.search(line):
                problems.append(f"{guide.slug}: {line}")
    report("observable", lines=checked)
    assert checked >= 4 * 40
    assert not problems, "\n".join(problems)


STEP_REF = re.compile(r"\bSteps? (\d+)(?:(?: to | and )(\d+))?")


@pytest.mark.parametrize("slug", sorted(PAPER_CLAIMS))
def test_why_points_at_steps_that_exist(slug: str) -> None:
    steps = len(re.findall(r"^\d+\. ", sections(slug)["Steps"], re.M))
    for match in STEP_REF.finditer(markdown_to_text(sections(slug)["Why"])):
        for number in filter(None, match.groups()):
            assert 1 <= int(number) <= steps, f"{slug}: Why points at step {number} of {steps}"
