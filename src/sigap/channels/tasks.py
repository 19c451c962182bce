from __future__ import annotations

from huey.contrib.djhuey import db_task

from sigap.channels import email_out


@db_task(retries=5, retry_delay=60)
def send_email_reply(message_id: int) -> bool:
    """Mail a reply (SMTP errors raise, so Huey retries with its delay)."""
    return email_out.send(message_id)
