"""The e-mail fallback channel: smtplib over the configured SMTP server.

The text is the push's own generic title and body plus a link; nothing more is known here. In
development and tests without an SMTP host, the message is printed to the console instead (the
generic text and the recipient's user id, never the address). In production without an SMTP host
the channel does not exist: `sender_for` returns None and undeliverable messages are reported as
such rather than pretended sent.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask
from flask_babel import gettext as _

from mentor_app.errors import log_unexpected
from mentor_app.i18n.render import in_language

MAX_ERROR = 300
log = logging.getLogger("mentor_app.notifications")


@dataclass(frozen=True)
class OutgoingEmail:
    user_id: int
    to: str
    subject: str
    text: str


@dataclass(frozen=True)
class EmailResult:
    ok: bool
    latency_ms: int
    status_code: int | None = None
    error: str | None = None
    transient: bool = False


# Kinds whose e-mail is no fallback: account messages go only by e-mail (a reset link, a lock
# notice), a safety broadcast goes by e-mail as well as push. Their footer must say why.
ACCOUNT_KIND_PREFIX = "account."
ALSO_BY_EMAIL_KINDS = frozenset({"safety.broadcast_mail"})


def _footer(kind: str) -> str:
    """Why the recipient gets this e-mail, in the active language."""
    if kind.startswith(ACCOUNT_KIND_PREFIX):
        return _(
            "You get this e-mail because of something that happened to your mentor_app "
            "account. It is sent only by e-mail."
        )
    if kind in ALSO_BY_EMAIL_KINDS:
        return _(
            "You get this e-mail as well as a notification: safety alarms go out on every channel."
        )
    return _(
        "You get this e-mail because notifications could not reach your devices and e-mail "
        "fallback is on. You can change that in Settings."
    )


def compose(
    user_id: int,
    to: str,
    payload: dict,
    public_base_url: str,
    language: str | None = None,
    kind: str = "",
) -> OutgoingEmail:
    """The e-mail for a push payload: as generic as the push (same title and body, rendered in
    the recipient's language when queued); its own lines in the recipient's `language`.
    `kind` is the outbox row's kind: it decides the footer (`_footer`)."""
    url = payload.get("url") or "/"
    link = f"{public_base_url.rstrip('/')}{url}" if public_base_url else ""
    with in_language(language):
        opening = (
            _("Open it in mentor_app: %(link)s", link=link)
            if link
            else _("Open mentor_app to see it.")
        )
        footer = _footer(kind)
    lines = [str(payload.get("body", "")), "", opening, "", "--", footer]
    return OutgoingEmail(user_id, to, str(payload.get("title", "mentor_app")), "\n".join(lines))


class EmailSender:
    def __init__(self, config: dict, console: bool) -> None:
        self.console = console
        self.host = config.get("SMTP_HOST") or ""
        self.port = int(config.get("SMTP_PORT") or 587)
        self.user = config.get("SMTP_USER") or ""
        self.password = config.get("SMTP_PASSWORD") or ""
        self.starttls = bool(config.get("SMTP_STARTTLS"))
        self.timeout = float(config.get("SMTP_TIMEOUT_SECONDS") or 10.0)
        self.sender = config.get("MAIL_FROM") or "mentor_app <no-reply@localhost>"

    def _message(self, mail: OutgoingEmail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(mail.text)
        return message

    def send(self, mail: OutgoingEmail) -> EmailResult:
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        if self.console:
            # Development: the console is the mail server.
            print(f"[e-mail to user {mail.user_id}] {mail.subject}\n{mail.text}\n", flush=True)
            return EmailResult(True, elapsed())
        try:
            self._deliver(self._message(mail))
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _msg in err.recipients.values()]
            transient = all(400 <= code < 500 for code in codes)
            return EmailResult(
                False, elapsed(), codes[0] if codes else None, "recipient refused", transient
            )
        except smtplib.SMTPResponseException as err:
            transient = 400 <= err.smtp_code < 500
            text = f"{err.smtp_code} {err.smtp_error!r}"[:MAX_ERROR]
            return EmailResult(False, elapsed(), err.smtp_code, text, transient)
        except (smtplib.SMTPException, OSError) as err:
            return EmailResult(False, elapsed(), None, f"smtp failed ({type(err).__name__})", True)
        except Exception as err:  # a bad address or header: retrying would not help
            log_unexpected(log, "e-mail send failed unexpectedly")
            return EmailResult(False, elapsed(), None, f"internal error ({type(err).__name__})")
        return EmailResult(True, elapsed(), 250)

    def _deliver(self, message: EmailMessage) -> None:
        if self.port == 465:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls and self.port != 465:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


def sender_for(app: Flask) -> EmailSender | None:
    if app.config.get("SMTP_HOST"):
        return EmailSender(app.config, console=False)
    if app.config.get("ENV_NAME") in ("development", "testing"):
        return EmailSender(app.config, console=True)
    return None
