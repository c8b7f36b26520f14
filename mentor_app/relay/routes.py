"""Which claimed outbox rows may go to their user's second channel, as ready-made messages.

Loaded in one query for a whole delivery round. A row gets a message when Apprise is
configured, the row's kind may use it (policy.goes_to_relay), the user chose a channel, and the
operator still allows that channel. The text is as generic as the push: title, body, and a link
to open the app (the same link the e-mail carries), never a name, a note or a case code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.notifications import policy
from mentor_app.relay.models import AlertChannel
from mentor_app.relay.sender import RelayMessage

if TYPE_CHECKING:
    from mentor_app.accounts.models import User
    from mentor_app.notifications.models import OutboxMessage
    from mentor_app.notifications.sending import Channels


def messages_for(
    session: Session,
    users: dict[int, User],
    rows: list[OutboxMessage],
    channels: Channels,
    public_base_url: str,
) -> dict[int, RelayMessage]:
    """{outbox row id: the message for the user's second channel}."""
    allowed = channels.relay_templates or {}
    if channels.relay is None or not allowed or not users:
        return {}
    chosen = {
        c.user_id: c
        for c in session.scalars(
            select(AlertChannel).where(AlertChannel.user_id.in_(sorted(users)))
        )
    }
    found = {}
    for row in rows:
        choice = chosen.get(row.user_id)
        template = allowed.get(choice.channel) if choice else None
        if choice is None or template is None or not policy.goes_to_relay(row.kind):
            continue
        found[row.id] = message(
            template.url_for(choice.address), template.name, row.payload, public_base_url
        )
    return found


def message(url: str, channel: str, payload: dict, public_base_url: str) -> RelayMessage:
    link = f"{public_base_url.rstrip('/')}{payload.get('url') or '/'}" if public_base_url else ""
    body = str(payload.get("body", ""))
    return RelayMessage(
        url=url,
        channel=channel,
        title=str(payload.get("title", "")),
        body=f"{body}\n{link}" if link else body,
    )
