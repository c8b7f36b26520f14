"""A short, human label for a device ("Chrome on Android"), from the User-Agent of the request
that registered it. Only the label is kept; the User-Agent itself is never stored."""

from __future__ import annotations

import re

_PLATFORMS = [
    (re.compile(r"iPhone|iPod"), "iPhone"),
    (re.compile(r"iPad"), "iPad"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Macintosh|Mac OS X"), "Mac"),
    (re.compile(r"Linux"), "Linux"),
]
# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    (re.compile(r"Edg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"OPR/|Opera"), "Opera"),
    (re.compile(r"SamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"Firefox/|FxiOS/"), "Firefox"),
    (re.compile(r"Chrome/|CriOS/|Chromium/"), "Chrome"),
    (re.compile(r"Safari/"), "Safari"),
]


def label_from_user_agent(user_agent: str | None) -> str:
    ua = (user_agent or "")[:512]
    platform = next((name for rx, name in _PLATFORMS if rx.search(ua)), None)
    browser = next((name for rx, name in _BROWSERS if rx.search(ua)), None)
    if browser and platform:
        return f"{browser} on {platform}"
    return browser or platform or "Unknown device"
