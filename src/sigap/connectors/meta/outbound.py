"""Agents' replies on Facebook and Instagram tickets, through Meta's Graph API.

Each reply gets one ``OutboundDelivery`` row (``provider`` = the ticket channel), written
with the reply, and is sent in steps by the one send loop of ``delivery`` (``ADAPTER``):
the row is claimed by a conditional UPDATE, ``parts_sent`` moves forward after each step
the API accepted (a retry resumes after it, so a public comment is never posted twice by
a retry), HTTP 408/425/429/5xx and network errors are retried with backoff
(``Retry-After`` honoured), any other 4xx fails at once with Meta's error text.

Where a reply goes (the rule, decided when its row is created; ``recipient``):

1. **A comment to answer.** When the ticket's newest inbound message is a public comment
   (``comment:<id>``, see ``meta_in``) that no earlier reply answered, the reply goes as
   ``recipient = "comment:<id>"`` in two steps: first a *public* reply under the comment
   (``POST /{comment id}/comments`` on Facebook, ``/{comment id}/replies`` on Instagram)
   with the fixed ``PUBLIC_INVITATION`` (it says we have written privately, and never
   repeats the agent's answer or the customer's details in public); then a *private
   reply* (``POST /me/messages`` with ``recipient: {"comment_id": ...}``) carrying the
   agent's text. Meta allows one private reply per comment (within 7 days), so it must
   fit in one message (``TEXT_LIMIT``).
2. **Otherwise a private message** to the customer's PSID/IGSID from their newest private
   message on this ticket (``POST /me/messages`` with ``recipient: {"id": ...}``,
   ``messaging_type: RESPONSE``), split into ``TEXT_LIMIT`` chunks.
3. **Nobody to write to** (a comment ticket whose comment was already answered and no
   private message from the customer since): the row fails at once with the reason;
   the customer's answer to the private reply makes a private conversation possible.

Attachments: a private message sends the text, then each attachment as its own message
(the Send API takes one attachment per message). The file is uploaded first with the
Attachment Upload API (``POST /me/message_attachments``, multipart ``message`` +
``filedata``; ``platform=instagram`` on Instagram), so Meta needs no public URL, then sent
as ``{"attachment": {"type": ..., "payload": {"attachment_id": ...}}}``; the type (image,
video, audio, file) comes from the attachment's MIME type. A file over Meta's limit
(``ATTACHMENT_LIMIT``, 25 MB) fails the reply before anything is sent, with the reason on
the row. A reply to a public comment cannot carry attachments (one private reply, text
only): ``message_add`` refuses it (``check_reply``), and one written another way sends its
text and fails with the reason.

Meta's messaging window (private messages only; a comment's private reply has its own
rule, one within 7 days of the comment, and Meta's refusal of it is recorded): within 24
hours of the customer's last private message a reply goes as ``messaging_type:
RESPONSE``; up to 7 days as ``MESSAGE_TAG`` with ``tag: HUMAN_AGENT`` (the app needs
Meta's Human Agent permission); after that ``message_add`` refuses the reply before it is
stored (``check_window``, called through ``outbound.check_reply``) and the ticket page says
so (``window_notice``). The worker decides again when it sends (a retry may come later,
and some replies are not written through ``message_add``): past 7 days it fails the reply
without calling Meta.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.connectors import conf, graph, messaging
from sigap.connectors.delivery import Adapter, Part, SendError, media_kind, split_text
from sigap.connectors.meta.inbound import COMMENT_PREFIX, KINDS, LABELS
from sigap.connectors.models import DeliveryStatus, OutboundDelivery
from sigap.core.errors import Conflict
from sigap.customers.services import ContactIn, customer_find_by_contact
from sigap.tickets.guidance import when
from sigap.tickets.models import Attachment, Channel, Ticket

log = logging.getLogger(__name__)

D = DeliveryStatus
CHANNELS = (Channel.FACEBOOK, Channel.INSTAGRAM)
TEXT_LIMIT = 2000  # the Send API's limit for a text message
ATTACHMENT_LIMIT = 25 * 1024 * 1024  # the Send API's limit for a file
WINDOW = timedelta(hours=24)  # free-form messages (``RESPONSE``)
HUMAN_AGENT_WINDOW = timedelta(days=7)  # messages tagged ``HUMAN_AGENT``
# the Send API's attachment types by MIME type (Messenger's and Instagram's formats);
# anything else goes as a file
MEDIA_KINDS = {
    "image": frozenset({"image/jpeg", "image/png", "image/gif"}),
    "video": frozenset(
        {"video/mp4", "video/ogg", "video/webm", "video/quicktime", "video/x-msvideo"}
    ),
    "audio": frozenset(
        {"audio/aac", "audio/mp4", "audio/x-m4a", "audio/mpeg", "audio/wav", "audio/x-wav"}
    ),
}
PUBLIC_INVITATION = gettext_lazy(  # in the customer's language (``_public_invitation``)
    "Terima kasih atas komentarnya, Kak. Kami sudah mengirim pesan pribadi untuk membantu "
    "lebih lanjut; silakan cek kotak masuk Anda."
)
NOT_CONFIGURED = gettext_lazy(
    "Tidak dikirim lewat Facebook/Instagram: SIGAP_META_PAGE_ACCESS_TOKEN belum dikonfigurasi."
)
NO_RECIPIENT = gettext_lazy(
    "Tidak ada percakapan pribadi dengan pelanggan: komentarnya sudah dijawab dengan balasan "
    "pribadi (Meta mengizinkan satu per komentar). Balas lagi setelah pelanggan menjawab "
    "pesan pribadi itu."
)


# --- where a reply goes ---------------------------------------------------------------------


def recipient_for(ticket: Ticket) -> str:
    """``comment:<id>`` for a comment to answer, else the PSID/IGSID, else ``""``."""
    newest = messaging.last_external_id(ticket.channel, ticket.pk)
    if newest is not None and newest.startswith(COMMENT_PREFIX):
        answered = OutboundDelivery.objects.filter(
            provider=ticket.channel, message__ticket_id=ticket.pk, recipient=newest
        ).exists()
        if not answered:
            return newest
    return messaging.last_address(ticket.channel, ticket.pk, skip_prefix=COMMENT_PREFIX)


def steps_of(delivery: OutboundDelivery) -> list[Part]:
    """The text, then one step per attachment (one attachment per message). A prepared
    message with ``quick_replies`` (a proposal's answer buttons) carries them on its last
    text step; a comment's private reply takes its ``fallback`` (the text with the answer
    links) instead."""
    prepared = delivery.quick_reply.get("text") if delivery.quick_reply else None
    body = str(prepared or delivery.message.body).strip()  # prepared: buttons or links
    files = [Part("file", attachment=a) for a in delivery.message.attachments.order_by("id")]
    if delivery.recipient.startswith(COMMENT_PREFIX):
        fallback = str(delivery.quick_reply.get("fallback") or body).strip()  # the links
        with translation.override(delivery.message.ticket.customer.language):
            invitation = str(PUBLIC_INVITATION)
        return [Part("public", invitation), Part("private", fallback), *files]
    steps = [Part("message", chunk) for chunk in split_text(body, TEXT_LIMIT)]
    if steps and delivery.quick_reply.get("quick_replies"):
        steps[-1] = Part("quick_reply", steps[-1].text)
    return steps + files


# --- the API --------------------------------------------------------------------------------


def _label(delivery: OutboundDelivery) -> str:
    return LABELS.get(delivery.provider, "Meta")


def _post(delivery: OutboundDelivery, path: str, **content: Any) -> dict[str, Any]:
    """POST ``content`` (``json=`` or ``data=``/``files=``) to the Graph API; its answer."""
    label = _label(delivery)
    response = graph.call(
        "POST",
        f"{conf.meta_api_base()}/{path}",
        token=conf.meta_page_access_token(),
        label=label,
        **content,
    )
    return graph.json_of(response, label)


def _created(delivery: OutboundDelivery, path: str, body: dict[str, Any]) -> str:
    """POST a JSON body; the id of what was created (``message_id`` or ``id``)."""
    data = _post(delivery, path, json=body)
    return str(data.get("message_id") or data.get("id") or "")


def _upload(delivery: OutboundDelivery, attachment: Attachment, kind: str) -> str:
    """Upload a file with the Attachment Upload API; its ``attachment_id``."""
    with attachment.file.open("rb") as handle:
        content = handle.read()
    message = {"attachment": {"type": kind, "payload": {"is_reusable": True}}}
    form = {"message": json.dumps(message)}
    if delivery.provider == Channel.INSTAGRAM:
        form["platform"] = "instagram"
    data = _post(
        delivery,
        "me/message_attachments",
        data=form,
        files={"filedata": (attachment.filename, content, attachment.content_type)},
    )
    attachment_id = data.get("attachment_id")
    if not isinstance(attachment_id, str | int) or not str(attachment_id):
        label = _label(delivery)
        raise SendError(_("%s: unggahan lampiran tanpa attachment_id") % label, retryable=True)
    return str(attachment_id)


def check_steps(delivery: OutboundDelivery, steps: list[Part]) -> None:
    """Before anything is sent: every attachment left must fit Meta's limit."""
    for step in steps:
        attachment = step.attachment
        if attachment is not None and attachment.size > ATTACHMENT_LIMIT:
            raise SendError(
                _(
                    "%(label)s: lampiran '%(name)s' berukuran %(size).1f MB, melebihi batas "
                    "%(limit)d MB untuk lampiran Facebook/Instagram; tidak ada yang dikirim. "
                    "Kirim ulang balasan tanpa lampiran itu (atau dengan berkas yang lebih kecil)."
                )
                % {
                    "label": _label(delivery),
                    "name": attachment.filename,
                    "size": attachment.size / 1_048_576,
                    "limit": ATTACHMENT_LIMIT // 1_048_576,
                },
                retryable=False,
            )


def _send_file(delivery: OutboundDelivery, attachment: Attachment) -> str:
    if delivery.recipient.startswith(COMMENT_PREFIX):
        raise SendError(comment_attachment_refusal(delivery.provider), retryable=False)
    kind = media_kind(attachment.content_type, MEDIA_KINDS, default="file")
    attachment_id = _upload(delivery, attachment, kind)
    body = {
        "recipient": {"id": delivery.recipient},
        **_messaging_type(delivery),
        "message": {"attachment": {"type": kind, "payload": {"attachment_id": attachment_id}}},
    }
    return _created(delivery, "me/messages", body)


def send_step(delivery: OutboundDelivery, step: Part) -> str:
    if step.kind == "public":
        comment_id = delivery.recipient.removeprefix(COMMENT_PREFIX)
        edge = "replies" if delivery.provider == Channel.INSTAGRAM else "comments"
        return _created(delivery, f"{comment_id}/{edge}", {"message": step.text})
    if step.attachment is not None:
        return _send_file(delivery, step.attachment)
    if len(step.text) > TEXT_LIMIT and step.kind == "private":
        raise SendError(
            _(
                "%(label)s: balasan pribadi atas komentar hanya boleh satu pesan (maksimal "
                "%(limit)s karakter); persingkat balasannya."
            )
            % {"label": _label(delivery), "limit": TEXT_LIMIT},
            retryable=False,
        )
    if step.kind == "private":  # Meta's private-reply rule, not the messaging window
        recipient = {"comment_id": delivery.recipient.removeprefix(COMMENT_PREFIX)}
        body = {
            "recipient": recipient,
            "messaging_type": "RESPONSE",
            "message": {"text": step.text},
        }
        data = _post(delivery, "me/messages", json=body)
        link_commenter(delivery, data.get("recipient_id"))
        return str(data.get("message_id") or data.get("id") or "")
    message: dict[str, Any] = {"text": step.text}
    if step.kind == "quick_reply":
        message["quick_replies"] = delivery.quick_reply["quick_replies"]
    kind = _messaging_type(delivery)
    body = {"recipient": {"id": delivery.recipient}, **kind, "message": message}
    return _created(delivery, "me/messages", body)


def link_commenter(delivery: OutboundDelivery, sender_id: object) -> None:
    """A private reply to a comment answers with the commenter's Messenger/Instagram id
    (PSID/IGSID), the one their private messages will come from: add it to the ticket's
    customer, so their answer lands on the same customer, not a new one. An id another
    customer already has is left as it is (the duplicates page can merge them)."""
    if not isinstance(sender_id, str | int) or not str(sender_id):
        return
    kind = KINDS[delivery.provider]
    try:
        customer = delivery.message.ticket.customer
        owner = customer_find_by_contact(kind, str(sender_id))
        if owner is None:
            messaging.add_contact(customer, ContactIn(kind, str(sender_id)))
        elif owner.pk != customer.pk:
            log.info("commenter %s is already customer %s", sender_id, owner.pk)
    except Exception:  # the reply is sent; linking is a convenience and must not undo it
        log.exception("could not link commenter %s to a customer", sender_id)


# --- the messaging window -------------------------------------------------------------------

RESPONSE = "response"  # within 24 hours: a free-form reply
HUMAN_AGENT = "human_agent"  # within 7 days: tagged HUMAN_AGENT
CLOSED = "closed"  # later: nothing may be sent


def last_inbound_at(provider: str, address: str) -> datetime | None:
    """When the customer (PSID/IGSID) last sent a private message; comments do not count."""
    return messaging.last_inbound_at(provider, address, excluding=COMMENT_PREFIX)


def window_of(latest: datetime | None) -> str:
    if latest is None:
        return CLOSED
    now = timezone.now()
    if now < latest + WINDOW:
        return RESPONSE
    if now < latest + HUMAN_AGENT_WINDOW:
        return HUMAN_AGENT
    return CLOSED


def _closed_text(label: str, latest: datetime | None) -> str:
    if latest is None:
        why = _("Pelanggan belum pernah mengirim pesan pribadi lewat %(label)s") % {"label": label}
    else:
        why = _(
            "Batas 7 hari %(label)s sudah lewat: pesan pribadi terakhir pelanggan diterima %(when)s"
        ) % {"label": label, "when": when(latest)}
    return _(
        "%(why)s. Meta mengizinkan balasan bebas dalam 24 jam setelah pesan terakhir "
        "pelanggan, dan balasan petugas (tag HUMAN_AGENT) sampai 7 hari; setelah itu tidak "
        "ada yang dapat dikirim. Balas lagi setelah pelanggan mengirim pesan, atau hubungi "
        "pelanggan lewat saluran lain."
    ) % {"why": why}


def _messaging_type(delivery: OutboundDelivery) -> dict[str, str]:
    """How a private message goes now, by the customer's last message (decided at send
    time: a retry may come hours later)."""
    return messaging_type_for(delivery.provider, delivery.recipient)


def messaging_type_for(provider: str, recipient: str) -> dict[str, str]:
    latest = last_inbound_at(provider, recipient)
    window = window_of(latest)
    if window == RESPONSE:
        return {"messaging_type": "RESPONSE"}
    if window == HUMAN_AGENT:
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    label = LABELS.get(provider, "Meta")
    raise SendError(f"{label}: {_closed_text(label, latest)}", retryable=False)


# --- direct messages (not a ticket's replies) -----------------------------------------------


def private_address(ticket: Ticket) -> str:
    """The PSID/IGSID of the ticket's private conversation ("" when none: comments only)."""
    return messaging.last_address(ticket.channel, ticket.pk, skip_prefix=COMMENT_PREFIX)


def direct_unavailable(ticket: Ticket) -> str:
    """Why a direct message cannot go to the ticket's customer now ("" when it can)."""
    if not conf.meta_sending_enabled():
        return _("SIGAP_META_PAGE_ACCESS_TOKEN belum dikonfigurasi")
    address = private_address(ticket)
    if not address:
        return _("belum ada pesan pribadi dari pelanggan")
    if window_of(last_inbound_at(ticket.channel, address)) == CLOSED:
        return _("di luar batas 7 hari")
    return ""


def send_direct(provider: str, address: str, message: dict[str, Any]) -> str:
    """Send one private message that is not a ticket reply (the answer to a tapped
    quick reply): ``message`` is the Send API's ``message`` object. Returns its id;
    ``SendError`` as for replies (past 7 days: not sent)."""
    if not conf.meta_sending_enabled():
        raise SendError(str(NOT_CONFIGURED), retryable=False)
    label = LABELS.get(provider, "Meta")
    kind = messaging_type_for(provider, address)
    body = {"recipient": {"id": address}, **kind, "message": message}
    response = graph.call(
        "POST",
        f"{conf.meta_api_base()}/me/messages",
        token=conf.meta_page_access_token(),
        label=label,
        json=body,
    )
    data = graph.json_of(response, label)
    return str(data.get("message_id") or data.get("id") or "")


def comment_attachment_refusal(channel: str) -> str:
    return _(
        "Balasan atas komentar publik %(label)s tidak dapat membawa lampiran: Meta hanya "
        "mengizinkan satu balasan pribadi berupa teks untuk setiap komentar. Kirim balasan "
        "tanpa lampiran; lampiran dapat dikirim setelah pelanggan membalas pesan pribadi itu."
    ) % {"label": LABELS.get(channel, "Meta")}


def check_window(ticket: Ticket, *, attachments: int = 0) -> None:
    """Before a reply is stored (``outbound.check_reply``): refuse it when Meta would not
    let it be sent: a private message more than 7 days after the customer's last one, or
    attachments on the answer to a public comment. Nobody to write to is recorded on the
    reply's row (``NO_RECIPIENT``), as before."""
    if not conf.meta_sending_enabled():
        return
    recipient = recipient_for(ticket)
    label = LABELS.get(ticket.channel, "Meta")
    if recipient.startswith(COMMENT_PREFIX):
        if attachments:
            raise Conflict(
                comment_attachment_refusal(ticket.channel),
                fields={"attachments": [_("Balasan atas komentar publik tanpa lampiran.")]},
            )
        return
    if not recipient:
        return
    latest = last_inbound_at(ticket.channel, recipient)
    if window_of(latest) != CLOSED:
        return
    raise Conflict(
        _closed_text(label, latest),
        fields={"body": [_("Di luar batas 7 hari %(label)s.") % {"label": label}]},
    )


@dataclass(frozen=True)
class WindowNotice:
    state: str  # HUMAN_AGENT | CLOSED
    label: str
    last_inbound: str
    until: str  # when the 7 days end (HUMAN_AGENT)


def window_notice(ticket: Ticket) -> WindowNotice | None:
    """What the ticket page says past the 24 hours (None: a free reply may go, or the
    reply answers a comment, or nobody can be written to)."""
    if ticket.channel not in CHANNELS or not conf.meta_sending_enabled():
        return None
    recipient = recipient_for(ticket)
    if not recipient or recipient.startswith(COMMENT_PREFIX):
        return None
    latest = last_inbound_at(ticket.channel, recipient)
    window = window_of(latest)
    if window == RESPONSE:
        return None
    until = when(latest + HUMAN_AGENT_WINDOW) if latest is not None else ""
    return WindowNotice(window, LABELS[ticket.channel], when(latest), until)


# --- the shared send loop -------------------------------------------------------------------


def send_part(delivery: OutboundDelivery, part: Part, index: int) -> str:
    """One step of a reply; the id Meta gave it ("" for a comment's public reply, which is
    not the message the customer receives)."""
    provider_id = send_step(delivery, part)
    return "" if part.kind == "public" else provider_id


ADAPTER = Adapter(
    provider="meta",  # the rows carry the ticket's channel: facebook or instagram
    sending_enabled=conf.meta_sending_enabled,
    not_configured=NOT_CONFIGURED,
    recipient_for=recipient_for,
    no_recipient=NO_RECIPIENT,
    send=send_part,
    parts=steps_of,
    check=check_steps,
)
