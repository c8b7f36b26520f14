"""The installable app on the server side: the manifest and its icons, /sw.js and its version,
the public offline page, gzip, the cache headers the service worker relies on, sign-out."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import zlib
from pathlib import Path

import pytest

from mentor_app.pwa import icons
from tests.conftest import csrf_token
from tests.playbooks.support import publish_guide, seed_library

GZIP = {"Accept-Encoding": "gzip"}
STATIC = Path(__file__).resolve().parent.parent / "static"


def worker_config(client) -> dict:  # type: ignore[no-untyped-def]
    source = client.get("/sw.js").get_data(as_text=True)
    return json.loads(re.search(r"self\.MENTOR_SW = (\{.*\});", source).group(1))


def test_the_manifest_makes_the_app_installable(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    assert response.headers["Cache-Control"] == "no-cache"
    manifest = response.get_json(force=True)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["theme_color"] == "#1d4e5f" and manifest["background_color"] == "#f6f7f5"
    css = (STATIC / "css" / "app.css").read_text()
    assert "--brand: #1d4e5f" in css and "--bg: #f6f7f5" in css  # the colours of the pages
    sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        data = client.get(icon["src"]).data
        width, height = icons.png_size(data)
        assert f"{width}x{height}" == icon["sizes"]
    shortcuts = {s["name"]: s["url"] for s in manifest["shortcuts"]}
    assert shortcuts == {
        "Consult a psychologist": "/consults/start",
        "Visit check-in and SOS": "/#safety",
        "Guides": "/guides",
    }


def test_every_page_links_the_manifest_and_the_iphone_icon(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    match = re.search(r'rel="apple-touch-icon" href="([^"]+)"', page)
    assert match and icons.png_size(client.get(match.group(1)).data) == (180, 180)


def test_the_committed_icons_are_the_drawn_ones() -> None:
    for name, (size, _, _) in icons.ICONS.items():
        assert icons.png_size((STATIC / "icons" / name).read_bytes()) == (size, size), name
    tiny = icons.png_bytes(2, 1, [[(255, 0, 0, 255), (0, 0, 255, 128)]])
    assert icons.png_size(tiny) == (2, 1)
    idat = tiny[tiny.index(b"IDAT") + 4 : tiny.index(b"IEND") - 8]
    assert zlib.decompress(idat) == bytes([0, 255, 0, 0, 255, 0, 0, 255, 128])
    maskable = icons.draw(40, full_bleed=True, scale=0.56)
    corners = [maskable[0][0], maskable[0][-1], maskable[-1][0], maskable[-1][-1]]
    assert all(px == (*icons.BRAND, 255) for px in corners)  # full bleed: no transparent corner


def test_the_service_worker_names_its_version_shell_and_parts(client) -> None:  # type: ignore[no-untyped-def]
    source = client.get("/sw.js").get_data(as_text=True)
    assert re.search(
        r"importScripts\('/static/sw-push\.js\?v=\w{12}', '/static/sw-cache\.js\?v=\w{12}'\)",
        source,
    )
    config = worker_config(client)
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    assert config["offline"] == "/offline"
    assert any(re.fullmatch(r"/static/css/app\.css\?v=\w{12}", u) for u in config["shell"])
    assert any(u.startswith("/static/js/offline-queue.js?v=") for u in config["shell"])
    assert any(u.startswith("/static/icons/app-maskable-512.png?v=") for u in config["shell"])
    for url in config["shell"]:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert worker_config(client) == config  # the same deploy, the same bytes


@pytest.fixture
def static_copy(app, tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "static"
    shutil.copytree(app.static_folder, folder)
    app.static_folder = str(folder)
    return folder


def test_a_changed_file_or_a_published_guide_changes_the_version(
    client, static_copy, db, clock
) -> None:  # type: ignore[no-untyped-def]
    first = worker_config(client)["version"]
    css = static_copy / "css" / "app.css"
    css.write_text(css.read_text() + "\n/* deploy */\n")
    second = worker_config(client)["version"]
    assert second != first
    publish_guide(db, clock(), slug="new-guide")
    assert worker_config(client)["version"] not in (first, second)


def test_the_offline_page_is_the_same_for_everyone(client, actors) -> None:  # type: ignore[no-untyped-def]
    anonymous = client.get("/offline")
    assert anonymous.status_code == 200
    assert anonymous.headers["Cache-Control"] == "no-cache"  # the worker may keep it
    assert "Set-Cookie" not in anonymous.headers
    mentor, _ = actors.signed_in("mentor", name="Zelda Personal")
    signed_in = mentor.get("/offline")
    text = signed_in.get_data(as_text=True)
    assert text == anonymous.get_data(as_text=True)
    assert "csrf" not in text.lower() and "Zelda" not in text and "role-mentor" not in text
    assert 'href="tel:112"' in text and "data-offline-page" in text


def test_personal_pages_stay_no_store_and_guides_cacheable(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    publish_guide(db, clock())
    mentor, _ = actors.signed_in("mentor")
    assert mentor.get("/account/settings").headers["Cache-Control"] == "no-store"
    assert mentor.get("/").headers["Cache-Control"] == "no-store"
    for path in ("/guides", "/guides/test-guide", "/guides/index.json"):
        assert mentor.get(path).headers["Cache-Control"] == "private, no-cache", path


def test_text_is_gzipped_when_the_browser_accepts_it(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login", headers=GZIP)
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert "Sign in" in gzip.decompress(page.data).decode()
    assert int(page.headers["Content-Length"]) == len(page.data)
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers and "Sign in" in plain.get_data(as_text=True)
    tiny = client.get("/healthz", headers=GZIP)  # under 1 KB: not worth it
    assert "Content-Encoding" not in tiny.headers
    icon = client.get("/static/icons/app-192.png", headers=GZIP)  # already compressed
    assert "Content-Encoding" not in icon.headers


def test_static_files_are_gzipped_and_stay_immutable(client) -> None:  # type: ignore[no-untyped-def]
    url = next(u for u in worker_config(client)["shell"] if "app.css" in u)
    response = client.get(url, headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(response.data) == (STATIC / "css" / "app.css").read_bytes()
    assert "Accept-Ranges" not in response.headers
    again = client.get(url, headers={**GZIP, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_guides_index_still_answers_304_when_gzipped(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    seed_library(db, clock())
    mentor, _ = actors.signed_in("mentor")
    first = mentor.get("/guides/index.json", headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(first.data))["guides"]
    etag = first.headers["ETag"]
    assert etag.startswith('W/"'), "a compressed body is not the identity's bytes"
    again = mentor.get("/guides/index.json", headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304
    plain = mentor.get("/guides/index.json")
    assert plain.headers["ETag"] == etag[2:]  # the identity body keeps its strong ETag
    assert mentor.get("/guides/index.json", headers={"If-None-Match": etag[2:]}).status_code == 304


def test_signing_out_clears_the_http_cache_but_keeps_the_app_shell(actors) -> None:  # type: ignore[no-untyped-def]
    mentor, _ = actors.signed_in("mentor")
    response = mentor.post("/logout", data={"csrf_token": csrf_token(mentor)})
    # Not "storage": it would unregister the service worker, wipe the offline shell and the
    # queue of unsent requests; the worker drops the user's guides itself (sw-cache.js).
    assert response.headers["Clear-Site-Data"] == '"cache"'


def owner_cookie(response) -> str | None:  # type: ignore[no-untyped-def]
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("mentor_queue_owner="):
            return header.split(";")[0].split("=", 1)[1]
    return None


def test_the_queue_owner_tag_is_a_cookie_per_mentor_never_the_id(actors) -> None:  # type: ignore[no-untyped-def]
    tags = []
    for _ in range(2):
        mentor, mentor_id = actors.signed_in("mentor")
        response = mentor.get("/")
        tag = owner_cookie(response)
        assert tag and re.fullmatch(r"[0-9a-f]{24}", tag) and tag != str(mentor_id)
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if "queue_owner" in h)
        assert "HttpOnly" not in cookie and "SameSite=Lax" in cookie  # the page's script reads it
        assert owner_cookie(mentor.get("/guides")) is None  # already set: not sent again
        page = response.get_data(as_text=True)
        assert 'id="queued-consult"' in page and "offline-queue.js" in page
        assert tag not in page  # pages carry nothing of the reader
        assert owner_cookie(mentor.get("/static/css/app.css")) is None
        tags.append(tag)
        signed_out = mentor.post("/logout", data={"csrf_token": csrf_token(mentor)})
        assert owner_cookie(signed_out) == ""  # removed on sign-out
    assert tags[0] != tags[1]
    consultant, _ = actors.signed_in("consultant")
    home = consultant.get("/")
    assert owner_cookie(home) is None and "offline-queue.js" not in home.get_data(as_text=True)


def test_settings_and_home_offer_installing(actors) -> None:  # type: ignore[no-untyped-def]
    for role in ("mentor", "consultant", "coordinator"):
        user, _ = actors.signed_in(role)
        assert "data-install-hint" in user.get("/").get_data(as_text=True)
        settings = user.get("/account/settings").get_data(as_text=True)
        assert 'id="install"' in settings and "Add to Home Screen" in settings


def test_system_fonts_only_and_no_third_party_urls() -> None:
    css = (STATIC / "css" / "app.css").read_text()
    assert "@font-face" not in css and "@import" not in css
    assert "font-family: system-ui" in css
    for path in [*STATIC.rglob("*.css"), *STATIC.rglob("*.js")]:
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", path.read_text()), path
