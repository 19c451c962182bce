"""Filing a WhatsApp or Telegram message on a ticket, the same way for both.

* Accepted, then filed: the webhook request only checks the message and stores it once
  (``accept``: an ``InboundDelivery`` with the message's ``(provider, external_id)``; a
  second delivery is a duplicate), so the provider gets its 200 in a few milliseconds
  whatever a ticket costs; a job files it (``file_received``), and a sweep files what a
  lost job left behind. A message that could not be filed is kept as ``failed`` with the
  reason, and a redelivery of it tries again.
* One transaction per message when filing: its customer, ticket, message and the
  ``InboundDelivery`` update are written together or not at all; one bad message in a
  webhook batch does not stop the others. A customer's messages are filed one at a time
  (a row lock on the customer), so two messages at once never open two tickets.
* The customer: found by the channel identity (WhatsApp number, Telegram user id); for
  WhatsApp also by the same number stored as a phone contact (the customer who called
  before keeps their history, and gets the WhatsApp contact added); otherwise created.
* Threading: the customer's newest ticket on this channel that is not closed gets the
  message (a resolved ticket re-opens, as ``message_add`` does for inbound messages);
  otherwise a new ticket opens.
* Media (photos, documents, voice notes) are downloaded after the commit by a job, with
  retries, and stored as attachments of the message; the webhook is answered at once.
* Survey quick replies and a proposal's answer buttons (a WhatsApp list row or button, a
  Telegram inline-keyboard button whose id starts with ``srv:`` or ``prp:``) are not
  customer messages: they are stored once like any
  message (``ignored``, so a redelivery is a duplicate and nothing is filed or re-opened)
  and handed, in the same transaction, to the handler registered for them (``on_tap``:
  the surveys register ``sigap.surveys.quickreply.record_tap``, the connectors
  ``connectors.proposals.record_tap``).
* The chatbot's quick replies (an id starting with ``bot:``, signed: see
  ``connectors.quickreply``) are customer messages: filed once like any other, with the
  choice's title as the text, and handed to the chatbot as that choice (its payload),
  not as the text. A Telegram button press is answered (``answerCallbackQuery``) once,
  when it is first stored. An id whose signature is wrong is plain text.

The package: ``inbound`` (accept once), ``filing`` (on a ticket), ``media`` (downloads).
"""

from __future__ import annotations

from sigap.connectors.messaging.filing import (
    add_contact,
    file_due,
    file_many,
    file_received,
    last_address,
    last_external_id,
    last_inbound_at,
    oldest_unfiled,
)
from sigap.connectors.messaging.inbound import (
    CHOICE_PREFIX,
    PARSED_FIELDS,
    PROPOSAL_REPLY_IGNORED,
    PROPOSAL_REPLY_PREFIX,
    SUBJECT_LENGTH,
    SURVEY_REPLY_IGNORED,
    SURVEY_REPLY_PREFIX,
    Failed,
    Inbound,
    ShapeError,
    Tap,
    TapHandler,
    accept,
    hub_challenge,
    hub_signature_ok,
    is_tap,
    item_key,
    on_tap,
    shape_list,
    shape_obj,
    shape_text,
    tap_ignored,
    timestamp,
)
from sigap.connectors.messaging.media import (
    MEDIA_BACKOFF,
    MEDIA_LEASE,
    MEDIA_MAX_ATTEMPTS,
    Downloader,
    fetch_due_media,
    fetch_media,
    filename_for,
)

__all__ = [
    "CHOICE_PREFIX",
    "MEDIA_BACKOFF",
    "MEDIA_LEASE",
    "MEDIA_MAX_ATTEMPTS",
    "PARSED_FIELDS",
    "PROPOSAL_REPLY_IGNORED",
    "PROPOSAL_REPLY_PREFIX",
    "SUBJECT_LENGTH",
    "SURVEY_REPLY_IGNORED",
    "SURVEY_REPLY_PREFIX",
    "Downloader",
    "Failed",
    "Inbound",
    "ShapeError",
    "Tap",
    "TapHandler",
    "accept",
    "add_contact",
    "fetch_due_media",
    "fetch_media",
    "file_due",
    "file_many",
    "file_received",
    "filename_for",
    "hub_challenge",
    "hub_signature_ok",
    "is_tap",
    "item_key",
    "last_address",
    "last_external_id",
    "last_inbound_at",
    "oldest_unfiled",
    "on_tap",
    "shape_list",
    "shape_obj",
    "shape_text",
    "tap_ignored",
    "timestamp",
]
