"""The operator's channel templates (`ALERT_CHANNELS`) and the addresses users may give.

`ALERT_CHANNELS` is JSON: channel name -> Apprise URL with an `{address}` placeholder, or ->
`{"url": …, "address": "phone" | "handle", "label": …}` (the default address kind is
"handle"). For example:

    {"sms": {"url": "json://sms-gw.example.org/send?to={address}", "address": "phone",
             "label": "SMS"},
     "ntfy": "ntfy://ntfy.example.org/{address}"}

Why templates: the user types a number or a handle, never a URL, so the server only ever talks
to hosts the operator wrote down. The placeholder may therefore stand in the path or the query
only, never in the scheme or the host, and the address is percent-encoded before it goes in, so
no character of it can change where the request goes. A bad setting stops the start (as other
settings do): better than alerts quietly going nowhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

PLACEHOLDER = "{address}"
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,23}$")
# A phone number as SMS gateways want it: E.164, "+" and 7 to 15 digits (spaces and dashes as
# people type them are taken out first).
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
# A messenger handle or topic: letters, digits and . _ - @ : + (Matrix "@name:server", Signal
# usernames, ntfy topics), at most 64 characters. No "/", "?", "#", "%" or spaces.
HANDLE = re.compile(r"^[A-Za-z0-9@][A-Za-z0-9._@:+-]{0,63}$")
KINDS = ("phone", "handle")
# Apprise's own connect/read timeouts (seconds), added when a template sets none.
TIMEOUTS = {"cto": "4", "rto": "10"}


class ChannelConfigError(RuntimeError):
    """ALERT_CHANNELS is not what this module expects; the message says what to fix."""


class AddressError(ValueError):
    """What a user typed is not an address of the channel's kind. `reason` is "url" (it looked
    like a web address), "phone" or "handle" (not one); views turn it into a translated text."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ChannelTemplate:
    name: str
    url: str  # contains PLACEHOLDER (in the path or query)
    address: str  # "phone" or "handle"
    label: str

    def normalise(self, typed: str) -> str:
        """The address as stored, or AddressError. Never a URL, whatever the kind."""
        value = (typed or "").strip()
        if "://" in value or "/" in value:
            raise AddressError("url", "Enter only a number or a handle, not a web address.")
        if self.address == "phone":
            value = re.sub(r"[\s()-]", "", value)
            if value.startswith("00"):
                value = "+" + value[2:]
            if not PHONE.match(value):
                raise AddressError(
                    "phone", "Enter the number with its country code, for example +46701234567."
                )
            return value
        if not HANDLE.match(value):
            raise AddressError(
                "handle",
                "Enter only the handle: letters, digits and . _ - @ : +, at most 64 characters.",
            )
        return value

    def url_for(self, address: str) -> str:
        """The Apprise URL for a stored address (percent-encoded into the operator's template)."""
        url = self.url.replace(PLACEHOLDER, quote(address, safe=""))
        missing = [f"{k}={v}" for k, v in TIMEOUTS.items() if f"{k}=" not in url]
        if missing:
            url += ("&" if "?" in url else "?") + "&".join(missing)
        return url


def parse(raw: str | dict | None) -> dict[str, ChannelTemplate]:
    """ALERT_CHANNELS (a JSON string or an already parsed dict) -> templates by name."""
    if not raw:
        return {}
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as err:
        raise ChannelConfigError(f"ALERT_CHANNELS is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ChannelConfigError("ALERT_CHANNELS must be a JSON object: name -> Apprise URL")
    return {name: _template(name, spec) for name, spec in data.items()}


def _template(name: str, spec: object) -> ChannelTemplate:
    if not isinstance(name, str) or not NAME.match(name):
        raise ChannelConfigError(f"ALERT_CHANNELS: {name!r} is not a short lower-case name")
    if isinstance(spec, str):
        spec = {"url": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
        raise ChannelConfigError(f"ALERT_CHANNELS[{name}] needs a url")
    url, kind = spec["url"], spec.get("address", "handle")
    label = spec.get("label", name)
    if kind not in KINDS:
        raise ChannelConfigError(f"ALERT_CHANNELS[{name}].address must be one of {KINDS}")
    if PLACEHOLDER not in url:
        raise ChannelConfigError(f"ALERT_CHANNELS[{name}] must contain {PLACEHOLDER}")
    parts = urlsplit(url.replace(PLACEHOLDER, "ADDRESSHERE"))
    if not parts.scheme or "addresshere" in (parts.scheme + parts.netloc).lower():
        raise ChannelConfigError(
            f"ALERT_CHANNELS[{name}]: {PLACEHOLDER} may stand in the path or the query only, "
            "never in the scheme or the host"
        )
    if not isinstance(label, str) or not label.strip():
        raise ChannelConfigError(f"ALERT_CHANNELS[{name}].label must be text")
    return ChannelTemplate(name, url, kind, label.strip()[:40])
