from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sigap.channels import email_out


@db_task(retries=5, retry_delay=60)
def send_email_reply(message_id: int) -> bool:
    """Mail a reply (SMTP errors raise, so Huey retries with its delay)."""
    return email_out.send(message_id)


@db_periodic_task(crontab(minute="*"))
def poll_mailboxes() -> dict[str, int]:
    """Every minute: fetch new mail from each active mailbox (see ``mail_poll``)."""
    from sigap.channels.mail_poll import poll_all

    return poll_all()
