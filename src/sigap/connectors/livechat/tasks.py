"""Jobs for live chat."""

from __future__ import annotations

from django.core.cache import cache
from huey.contrib.djhuey import db_task

from sigap.connectors.email import outbound as email_out
from sigap.tickets.models import Message

MAILED_FOR = 7 * 24 * 3600


@db_task(retries=5, retry_delay=60)
def email_reply(message_id: int) -> bool:
    """Mail a live-chat reply to the customer (the visitor is gone). Claimed in the cache
    first, so a job run twice mails once."""
    message = (
        Message.objects.select_related("ticket__customer", "author").filter(pk=message_id).first()
    )
    if message is None:
        return False
    mail = email_out.build(message)
    if mail is None:
        return False
    if not cache.add(f"sigap:livechat:mailed:{message_id}", 1, MAILED_FOR):
        return False
    try:
        mail.send(fail_silently=False)
    except Exception:
        cache.delete(f"sigap:livechat:mailed:{message_id}")  # let the retry send it
        raise
    return True
