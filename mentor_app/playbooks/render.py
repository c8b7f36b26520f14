"""Guide text → sections → safe HTML and plain text. Run once when a revision is saved.

Two independent walls keep editors' markup off the page: markdown-it runs with raw HTML
disabled (so `<script>` becomes visible text), and its output then goes through nh3 with a
short allow-list of tags and attributes, and links limited to http(s) and same-site paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from mentor_app.playbooks.policy import (
    FIRST_MINUTE,
    FIRST_MINUTE_MAX_LINES,
    FIRST_READ,
    FIRST_READ_MAX_WORDS,
    FOLDED,
    NOT_SEARCHED,
    SECTIONS,
)

ALLOWED_TAGS = {
    "p", "ul", "ol", "li", "strong", "em", "a", "h3", "h4", "blockquote", "code", "pre",
    "br", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
RELATED_LINK_RE = re.compile(r"\]\(/guides/([^)\s#?]+)\)")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# A word as a reader counts it: "don't", "psycho-education" and "24/7" are one word each.
WORD_RE = re.compile(r"[^\W_]+(?:['’/-][^\W_]+)*")
FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")


def _safe_href(url: str) -> bool:
    lowered = url.strip().lower()
    if lowered.startswith("//"):
        return False  # another host without saying which scheme
    return lowered.startswith(("/", "#", "http://", "https://"))


def _make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = _safe_href  # type: ignore[method-assign]

    def image_as_text(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        # Guides carry no images (FORMAT.md); show the description instead of loading anything.
        return escapeHtml(tokens[idx].content)

    md.add_render_rule("image", image_as_text)
    return md


MD = _make_markdown()


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return value if _safe_href(value) else None
    if attribute == "start":
        return value if value.isdigit() and len(value) < 5 else None
    return value


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
    )


def markdown_to_html(text: str) -> str:
    return sanitise(MD.render(text))


def markdown_to_text(text: str) -> str:
    """The words a reader sees, without markup: for search and the offline index."""
    parts: list[str] = []
    for token in MD.parse(text):
        if token.type == "inline" and token.children:
            words = []
            for child in token.children:
                if child.type in {"text", "code_inline", "image"}:
                    words.append(child.content)
                elif child.type in {"softbreak", "hardbreak"}:
                    words.append(" ")
            parts.append("".join(words).strip())
        elif token.type in {"code_block", "fence"}:
            parts.append(token.content.strip())
    return "\n".join(p for p in parts if p)


def count_words(text: str) -> int:
    return len(WORD_RE.findall(text))


def first_read_words(sections: dict[str, str]) -> int:
    """Words a mentor reads first (When this applies … Call a consultant when), as shown."""
    return sum(count_words(markdown_to_text(sections.get(name, ""))) for name in FIRST_READ)


def section_id(title: str) -> str:
    return "g-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@dataclass
class Parsed:
    sections: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def parse_sections(body: str) -> Parsed:
    """Split a guide body at its `## ` headings; report anything FORMAT.md does not allow."""
    parsed = Parsed()
    order: list[str] = []
    current: str | None = None
    lines: list[str] = []
    in_fence = False
    for number, line in enumerate(body.replace("\r\n", "\n").split("\n"), start=1):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else HEADING_RE.match(line)
        if heading and len(heading.group(1)) <= 2:
            if len(heading.group(1)) == 1:
                parsed.problems.append(f"Line {number}: use ### for headings inside a section.")
                continue
            if current is not None:
                parsed.sections[current] = "\n".join(lines).strip()
            current, lines = heading.group(2).strip(), []
            if current in order:
                parsed.problems.append(f"Section '{current}' appears twice.")
            order.append(current)
            continue
        if current is None:
            if line.strip():
                parsed.problems.append(f"Line {number}: text before the first section.")
            continue
        lines.append(line)
    if current is not None:
        parsed.sections[current] = "\n".join(lines).strip()
    _check_sections(parsed, order)
    return parsed


def _check_sections(parsed: Parsed, order: list[str]) -> None:
    unknown = [name for name in order if name not in SECTIONS]
    for name in unknown:
        parsed.problems.append(f"Unknown section '{name}' (sections: {', '.join(SECTIONS)}).")
    missing = [name for name in SECTIONS if name not in parsed.sections]
    if missing:
        parsed.problems.append(f"Missing section(s): {', '.join(missing)}.")
    known = [name for name in order if name in SECTIONS]
    if not missing and not unknown and known != list(SECTIONS):
        parsed.problems.append(f"Sections must come in this order: {', '.join(SECTIONS)}.")
    for name in SECTIONS:
        if name in parsed.sections and not parsed.sections[name]:
            parsed.problems.append(f"Section '{name}' is empty.")
    first = parsed.sections.get(FIRST_MINUTE, "")
    first_lines = [line for line in first.split("\n") if line.strip()]
    if len(first_lines) > FIRST_MINUTE_MAX_LINES:
        parsed.problems.append(
            f"'{FIRST_MINUTE}' has {len(first_lines)} lines; at most "
            f"{FIRST_MINUTE_MAX_LINES} (it is read in a stairwell)."
        )
    words = first_read_words(parsed.sections)
    if words > FIRST_READ_MAX_WORDS:
        parsed.problems.append(
            f"The part read first ({', '.join(FIRST_READ)}) has {words} words; at most "
            f"{FIRST_READ_MAX_WORDS} (about two minutes on a phone). Move background to 'Why'."
        )


def related_slugs(sections: dict[str, str]) -> list[str]:
    return RELATED_LINK_RE.findall(sections.get("Related", ""))


def related_problems(sections: dict[str, str], known_slugs: set[str], own_slug: str) -> list[str]:
    problems = []
    for slug in related_slugs(sections):
        if slug == own_slug:
            problems.append("'Related' links the guide to itself.")
        elif slug not in known_slugs:
            problems.append(f"'Related' links to a guide that does not exist: {slug}.")
    return problems


@dataclass
class Rendered:
    first_minute_html: str
    first_minute_text: str
    body_html: str
    search_text: str
    problems: list[str]


def render_guide(body: str) -> Rendered:
    """The stored forms of a body: the First minute block, the other sections, plain text."""
    parsed = parse_sections(body)
    sections = parsed.sections
    first = sections.get(FIRST_MINUTE, "")
    html_parts = []
    text_parts = []
    for name in SECTIONS:
        if name == FIRST_MINUTE or name not in sections:
            continue
        html_parts.append(_section_html(name, markdown_to_html(sections[name])))
        if name not in NOT_SEARCHED:
            text_parts.append(markdown_to_text(sections[name]))
    return Rendered(
        first_minute_html=markdown_to_html(first),
        first_minute_text=markdown_to_text(first),
        body_html="\n".join(html_parts),
        search_text="\n".join(p for p in text_parts if p),
        problems=parsed.problems,
    )


def heading_html(name: str, label: str | None = None) -> str:
    """A section's heading as rendered; `label` (already translated) replaces the name."""
    return f'<h2 id="{section_id(name)}-h">{escapeHtml(label or name)}</h2>'


def _section_html(name: str, inner: str) -> str:
    """One section in its wrapper. Background sections (FOLDED) are closed until opened: a
    native <details> is announced as expandable and opens with the keyboard, without script."""
    anchor = section_id(name)
    if name in FOLDED:
        return (
            f'<section class="guide-section guide-folded" id="{anchor}" '
            f'aria-labelledby="{anchor}-h"><details><summary>{heading_html(name)}</summary>'
            f"{inner}</details></section>"
        )
    return (
        f'<section class="guide-section" id="{anchor}" aria-labelledby="{anchor}-h">'
        f"{heading_html(name)}{inner}</section>"
    )


def split_before(body_html: str, section: str) -> tuple[str, str]:
    """The rendered sections before `section` and from it on (to place a button between).

    Only our own wrapper can contain `<section`: nh3 never lets that tag through.
    """
    marker = re.search(
        rf'<section class="guide-section[^"]*" id="{section_id(section)}"', body_html
    )
    if marker is None:
        return body_html, ""
    return body_html[: marker.start()], body_html[marker.start() :]
