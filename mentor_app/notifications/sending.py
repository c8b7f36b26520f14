"""The send phase of a round: every push and e-mail in a thread pool, no database."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from mentor_app.notifications.email import EmailResult, EmailSender
from mentor_app.notifications.email import sender_for as email_sender_for
from mentor_app.notifications.jobs import Job, checkpoint
from mentor_app.notifications.push import PushResult, PushSender, PushTarget
from mentor_app.notifications.vapid import VapidConfigError, keys_for
from mentor_app.relay import templates
from mentor_app.relay.sender import RelayResult, RelaySender

log = logging.getLogger("mentor_app.notifications")


@dataclass
class Channels:
    push: PushSender | None
    email: EmailSender | None
    relay: RelaySender | None = None
    relay_templates: dict[str, templates.ChannelTemplate] | None = None


def channels_for(app: Flask) -> Channels:
    """Built once per app (the worker has one): VAPID signer, SMTP settings."""
    cache = app.extensions.setdefault("mentor_notifications", {})
    if "channels" not in cache:
        push = None
        try:
            keys = keys_for(app)
        except VapidConfigError as err:
            log.error("push is off: %s", err)
            keys = None
        if keys is None:
            log.error("push is off: no VAPID keys configured; messages go to e-mail fallback")
        else:
            push = PushSender(keys, float(app.config["PUSH_TIMEOUT_SECONDS"]))
        allowed = templates.parse(app.config.get("ALERT_CHANNELS"))
        relay = RelaySender() if allowed else None
        cache["channels"] = Channels(push, email_sender_for(app), relay, allowed)
    return cache["channels"]


_executor: ThreadPoolExecutor | None = None
_executor_size = 0


def _pool(threads: int) -> ThreadPoolExecutor:
    global _executor, _executor_size
    if _executor is None or _executor_size != threads:
        if _executor is not None:
            _executor.shutdown(wait=False)
        _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="send")
        _executor_size = threads
    return _executor


def send_all(jobs: list[Job], now: datetime, channels: Channels, threads: int) -> None:
    """Every push and e-mail of the round, in parallel; a hanging endpoint holds one thread for
    at most the timeout while the others carry on."""
    pool = _pool(threads)
    pushes: list[tuple[Job, PushTarget, Future[PushResult]]] = []
    mails: list[tuple[Job, Future[EmailResult]]] = []
    relays: list[tuple[Job, Future[RelayResult]]] = []
    for job in jobs:
        if job.email is not None and channels.email is not None:
            mails.append((job, pool.submit(channels.email.send, job.email)))
        elif job.relay is not None and channels.relay is not None:
            relays.append((job, pool.submit(channels.relay.send, job.relay)))
        elif job.push is not None and channels.push is not None:
            for target in job.targets:
                pushes.append((job, target, pool.submit(channels.push.send, target, job.push, now)))
    for index, (job, target, future) in enumerate(pushes):
        job.push_results.append((target, future.result()))
        if index == 0:
            checkpoint("mid_send")
    for job, future in mails:
        job.email_result = future.result()
    for job, future in relays:
        job.relay_result = future.result()
