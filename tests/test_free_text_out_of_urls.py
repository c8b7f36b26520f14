"""Words people type travel in request bodies, never in URLs: guide searches and case-code
searches are POSTs, and the access logs this process writes keep no query strings."""

from __future__ import annotations

import logging
import re

from tests.conftest import csrf_token
from tests.consult_helpers import make_case


def test_guide_search_goes_by_post_and_is_never_kept(app, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    for path in ("/guides", "/"):
        forms = re.findall(
            r'<form class="guide-search"[^>]*>', client.get(path).get_data(as_text=True)
        )
        assert forms and all('method="post"' in f for f in forms), path
    found = client.post("/guides", data={"q": "zebrafinch"})
    assert found.status_code == 200
    assert "“zebrafinch”" in found.get_data(as_text=True)  # searched (this library is empty)
    assert found.headers["Cache-Control"] == "no-store"
    # a query string never searches (an old bookmark, a crafted link)
    listed = client.get("/guides?q=zebrafinch").get_data(as_text=True)
    assert "zebrafinch" not in listed


def test_kind_links_do_not_carry_the_search(app, actors) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("mentor")
    page = client.post("/guides", data={"q": "angry father"}).get_data(as_text=True)
    assert not re.search(r'href="[^"]*angry', page)


def test_case_code_search_goes_by_post(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    mentor_id, _ = actors.create("mentor")
    wanted = make_case(db, mentor_id, clock(), code="K-7F3Q")
    make_case(db, mentor_id, clock(), code="K-9ZZZ")
    coordinator, _ = actors.signed_in("coordinator")
    page = coordinator.get("/cases/").get_data(as_text=True)
    assert '<form method="post" class="search-form"' in page
    found = coordinator.post(
        "/cases/", data={"code": "k-7f", "csrf_token": csrf_token(coordinator)}
    )
    body = found.get_data(as_text=True)
    assert f"/cases/{wanted.id}" in body and "K-9ZZZ" not in body
    unfiltered = coordinator.get("/cases/?code=K-7F").get_data(as_text=True)
    assert "K-9ZZZ" in unfiltered  # a query string does not search
    refused = coordinator.post("/cases/", data={"code": "K-7F"})  # no CSRF token
    assert refused.status_code == 400


def test_access_logs_keep_no_query_strings(app, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info(
            '%s - - [%s] "%s" %s %s', "127.0.0.1", "now", "GET /pool/?q=Anna+Berg HTTP/1.1", 200, 5
        )
        logging.getLogger("gunicorn.access").info(
            '%(h)s "%(r)s" %(s)s %(q)s',
            {
                "h": "10.0.0.1",
                "r": "GET /audit/?user=anna@example.org HTTP/1.1",
                "s": "200",
                "q": "user=anna@example.org",
            },
        )
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        '127.0.0.1 - - [now] "GET /pool/ HTTP/1.1" 200 5',
        '10.0.0.1 "GET /audit/ HTTP/1.1" 200 ',
    ]
