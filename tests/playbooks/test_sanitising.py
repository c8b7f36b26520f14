"""No markup an editor types reaches a page: scripts, event handlers, javascript: links."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from mentor_app.playbooks import render
from tests.conftest import csrf_from
from tests.playbooks.support import guide_body, publish_guide

ATTACKS = "\n".join(
    [
        "<script>alert('s')</script>",
        "<img src=x onerror=alert('i')>",
        "[click me](javascript:alert('j'))",
        "[upper](JaVaScRiPt:alert('u'))",
        "[tabbed](java\tscript:alert('t'))",
        "[entity](&#106;avascript:alert('e'))",
        "[other host](//evil.example/x)",
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert('auto')>",
        "![pic](javascript:alert('p'))",
        "<a href=\"javascript:alert('a')\">raw link</a>",
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(javascript:alert(1))" onclick="x()">div</div>',
        "[fine](https://example.org/page) and [local](/guides/other)",
    ]
)


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[override]
        self.tags.append(tag)
        self.attrs.extend((tag, name, value or "") for name, value in attrs)


def assert_safe(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    assert not {"script", "img", "iframe", "div", "object", "embed", "style"} & set(
        collector.tags
    ), collector.tags
    for tag, name, value in collector.attrs:
        assert not name.startswith("on"), (tag, name)
        assert name != "style", tag
        if name in {"href", "src"}:
            lowered = value.strip().lower()
            assert lowered.startswith(("/", "#", "http://", "https://")), value
            assert not lowered.startswith("//"), value
    return collector


def test_renderer_strips_every_attack() -> None:
    rendered = render.render_guide(guide_body(extra="\n3. " + ATTACKS.replace("\n", "\n   ")))
    collector = assert_safe(rendered.body_html)
    hrefs = [v for t, n, v in collector.attrs if n == "href"]
    assert "https://example.org/page" in hrefs and "/guides/other" in hrefs
    # What was markup is now visible text, not behaviour.
    assert "&lt;script&gt;" in rendered.body_html


@pytest.mark.parametrize("html", [
    '<a href="javascript:alert(1)">x</a>',
    '<a href="//evil.example">x</a>',
    '<p onclick="x()">x</p>',
    "<script>alert(1)</script>",
    '<a href="vbscript:x">x</a>',
])  # fmt: skip
def test_sanitiser_is_a_second_wall(html: str) -> None:
    cleaned = render.sanitise(html)
    assert_safe(cleaned)
    assert "alert" not in cleaned or "<script" not in cleaned


def test_editor_attacks_never_reach_a_page(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    publish_guide(db, clock())
    coordinator, _ = actors.signed_in("coordinator")
    mentor, _ = actors.signed_in("mentor")
    token = csrf_from(coordinator.get("/guides"))
    body = guide_body(first_minute="- <script>alert('fm')</script>\n- [go](javascript:alert(2))",
                      extra="\n3. " + ATTACKS.replace("\n", "\n   "))  # fmt: skip
    preview = coordinator.post("/api/guide-editor/preview", json={"body": body},
                               headers={"X-CSRFToken": token}).get_json()  # fmt: skip
    assert_safe(preview["first_minute_html"])
    assert_safe(preview["body_html"])
    no_js_preview = coordinator.post("/guide-editor/test-guide/edit", data={
        "csrf_token": token, "title": "Attack <script>alert('t')</script>", "summary": "x",
        "body": body, "note": "<b>note</b>", "preview": "1"})  # fmt: skip
    assert no_js_preview.status_code == 200
    _assert_page_safe(no_js_preview.get_data(as_text=True))

    response = coordinator.post("/guide-editor/test-guide/edit", data={
        "csrf_token": token, "title": "Attack <script>alert('t')</script>", "summary": "x",
        "body": body, "note": "<b>note</b>", "submit_review": "1"})  # fmt: skip
    assert response.status_code == 302
    revision_page = response.headers["Location"]
    _assert_page_safe(coordinator.get(revision_page).get_data(as_text=True))
    revision_id = revision_page.rsplit("/", 1)[1]
    coordinator.post(f"/guide-editor/revisions/{revision_id}/publish", data={"csrf_token": token})
    page = mentor.get("/guides/test-guide")
    assert page.status_code == 200
    _assert_page_safe(page.get_data(as_text=True))
    _assert_page_safe(coordinator.get("/guide-editor/test-guide/history").get_data(as_text=True))
    index = mentor.get("/guides/index.json")
    assert b"<" not in index.data and b">" not in index.data  # typed text stays data
    entry = next(g for g in index.get_json()["guides"] if g["slug"] == "test-guide")
    assert entry["title"] == "Attack <script>alert('t')</script>"
    listing = mentor.post("/guides", data={"q": "attack"}).get_data(as_text=True)
    _assert_page_safe(listing)


def _assert_page_safe(page: str) -> None:
    """A whole page: the app's own scripts are external modules; nothing else is a script."""
    collector = Collector()
    collector.feed(page)
    assert "main" in collector.tags  # the page was parsed
    for tag, name, value in collector.attrs:
        assert not name.startswith("on"), (tag, name, value)
        if name in {"href", "src", "action"}:
            assert not value.strip().lower().startswith(("javascript:", "//", "data:")), value
    script_tags = collector.tags.count("script")
    sources = [v for t, n, v in collector.attrs if t == "script" and n == "src"]
    assert script_tags == len(sources), "an inline script reached the page"
    assert all(src.startswith("/static/js/") for src in sources), sources
    assert "img" not in collector.tags and "iframe" not in collector.tags
