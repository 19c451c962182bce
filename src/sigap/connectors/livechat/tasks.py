"""Jobs for live chat."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sigap.connectors import delivery
from sigap.tickets.models import Channel, Message


@db_task(retries=5, retry_delay=60)
def email_reply(message_id: int) -> bool:
    """Mail a live-chat reply to the customer (the visitor is gone). Kept for the jobs
    queued before the mail got its delivery row (``livechat.delivery.record``): it writes
    the row, once, and the shared send loop mails it."""
    message = Message.objects.select_related("ticket__customer").filter(pk=message_id).first()
    if message is None:
        return False
    row = delivery.create_for(message, provider=Channel.EMAIL)
    delivery.enqueue(message.pk)
    return row.status != "failed"
