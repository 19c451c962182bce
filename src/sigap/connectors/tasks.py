from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.core.periodic import periodic_task

log = logging.getLogger(__name__)


@periodic_task(crontab(minute="*"))
def poll_mailboxes() -> dict[str, int]:
    """Every minute: fetch new mail from each active mailbox (see ``mail_poll``)."""
    from sigap.connectors.email.inbound import prune_receipts
    from sigap.connectors.email.poll import poll_all

    done = poll_all()
    done["receipts_pruned"] = prune_receipts()  # what the sender rate limit stopped counting
    return done


@db_task()
def send_channel_reply(delivery_id: int) -> str:
    """Send an email/WhatsApp/Telegram reply now (queued after it commits). Safe to run twice:
    the row is claimed first; retries are scheduled on the row, not in Huey."""
    from sigap.connectors import delivery

    return delivery.attempt(delivery_id)


@db_task()
def file_inbound(inbound_ids: list[int]) -> dict[str, int]:
    """File the messages a webhook accepted on tickets (queued after it commits). Safe to
    run twice: a message is filed only while it is ``received``."""
    from sigap.connectors import messaging

    return messaging.file_many(inbound_ids)


@db_task()
def fetch_inbound_media(inbound_id: int) -> str:
    """Download a customer's photo/document/voice note into the ticket (after commit)."""
    from sigap.connectors import messaging

    return messaging.fetch_media(inbound_id)


@periodic_task(crontab(minute="*"))
def retry_channel_work() -> dict[str, int]:
    """Every minute: replies and media downloads whose retry time has come, replies whose
    worker died while sending (their lease expired), and accepted messages whose filing
    job was lost."""
    from sigap.connectors import delivery, messaging

    return {
        "filed": messaging.file_due(),
        "replies": delivery.retry_due(),
        "media": messaging.fetch_due_media(),
    }


@db_task()
def answer_telegram_callback(callback_query_id: str, brand: int | None = None) -> bool:
    """Answer a Telegram button press that was filed as a message (the chatbot's quick
    replies), so the button stops spinning, through the bot it was pressed on (``brand``:
    a brand's own bot). Not retried: Telegram accepts an answer only for a short while
    after the press."""
    from sigap.connectors import conf
    from sigap.connectors.delivery import SendError
    from sigap.connectors.telegram.outbound import answer_callback_query

    try:
        with conf.using_brand("telegram", brand):
            answer_callback_query(callback_query_id)
    except SendError as exc:
        log.warning("telegram callback query %s not answered: %s", callback_query_id, exc.text)
        return False
    return True
