"""WhatsApp replies through the Cloud API, media downloads, and the 24-hour window.

* Sending: ``POST /<phone number id>/messages`` with the access token; text (split into
  parts by ``delivery``), attachments (uploaded with ``POST /<phone number id>/media``,
  then sent by id) or an approved template. Every part carries
  ``biz_opaque_callback_data = "sigap:<delivery>:<part>"``, which Meta echoes in the status
  webhooks: that is how ``statuses[]`` find the reply, and how a part the worker sent but
  did not record (it died) is known to be sent.
* Errors: HTTP 408/429/5xx, network errors and Meta's throttling codes are retried with
  backoff; any other error is permanent and its text is shown on the reply.
* The customer-service window (Meta's rule): a free-form message may be sent only within
  24 hours of the customer's last message to the business number; after that, only an
  approved template. ``check_window`` enforces it for replies (``message_add`` calls it
  through ``outbound.check_reply``) when the Cloud API is configured; without it Sigap
  sends nothing on WhatsApp and there is no window to keep.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from sigap.accounts.access import require_staff
from sigap.accounts.models import User
from sigap.connectors import conf, graph, messaging
from sigap.connectors.delivery import (
    Adapter,
    Part,
    SendError,
    create_for,
    media_kind,
)
from sigap.connectors.models import (
    TEMPLATE_PARAM,
    OutboundDelivery,
    Provider,
    WhatsAppTemplate,
)
from sigap.core.errors import Conflict, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.customers.models import ContactKind
from sigap.tickets import services
from sigap.tickets.attachments import check_size
from sigap.tickets.guidance import when
from sigap.tickets.models import Attachment, Channel, Message, MessageKind, Ticket

P = Provider.WHATSAPP
WINDOW = timedelta(hours=24)
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
AUDIO_TYPES = frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"})
VIDEO_TYPES = frozenset({"video/mp4", "video/3gpp"})
MEDIA_KINDS = {"image": IMAGE_TYPES, "audio": AUDIO_TYPES, "video": VIDEO_TYPES}

_sending_template: ContextVar[bool] = ContextVar("sigap_whatsapp_template", default=False)


# --- the API --------------------------------------------------------------------------------


def _call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return graph.call(method, url, token=conf.whatsapp_access_token(), label="WhatsApp", **kwargs)


def _json(response: httpx.Response) -> dict[str, Any]:
    return graph.json_of(response, "WhatsApp")


def _media_kind(content_type: str) -> str:
    return media_kind(content_type, MEDIA_KINDS, default="document")


def _upload(attachment: Attachment) -> str:
    with attachment.file.open("rb") as handle:
        content = handle.read()
    response = _call(
        "POST",
        f"{conf.whatsapp_api_base()}/{conf.whatsapp_phone_number_id()}/media",
        data={"messaging_product": "whatsapp", "type": attachment.content_type},
        files={"file": (attachment.filename, content, attachment.content_type)},
    )
    media_id = _json(response).get("id")
    if not isinstance(media_id, str) or not media_id:
        raise SendError(
            said_in_default_language(gettext_lazy("WhatsApp: unggahan lampiran tanpa id media")),
            retryable=True,
        )
    return media_id


def render(body: str, params: list[str]) -> str:
    """The template's text with its parameters filled in (one missing stays as it is)."""

    def fill(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return params[index] if 0 <= index < len(params) else match.group(0)

    return TEMPLATE_PARAM.sub(fill, body)


TEMPLATE_BUTTONS = "template_buttons"  # ``OutboundDelivery.quick_reply``: the buttons' payloads


def _template_payload(delivery: OutboundDelivery) -> dict[str, Any]:
    """The ``template`` object: its body parameters, and the payloads of its quick-reply
    buttons (a proposal's signed answer ids), in the buttons' order."""
    template = delivery.template
    assert template is not None
    payload: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    components: list[dict[str, Any]] = []
    if delivery.template_params:
        components.append(
            {
                "type": "body",
                "parameters": [{"type": "text", "text": p} for p in delivery.template_params],
            }
        )
    buttons = (delivery.quick_reply or {}).get(TEMPLATE_BUTTONS) or []
    components += [
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": str(index),
            "parameters": [{"type": "payload", "payload": str(button)}],
        }
        for index, button in enumerate(buttons)
    ]
    if components:
        payload["components"] = components
    return payload


def send(delivery: OutboundDelivery, part: Part, index: int) -> str:
    """Send one part; returns its ``wamid``."""
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": delivery.recipient,
        "biz_opaque_callback_data": f"sigap:{delivery.pk}:{index}",
    }
    if part.kind == "template":
        body.update(type="template", template=_template_payload(delivery))
    elif not window_open(delivery.message.ticket):
        # replies not written through ``message_add`` (an apology, the closing thanks, a
        # reminder) or retried too late: Meta would refuse them (#131047)
        raise SendError(
            gettext(
                "Di luar jendela layanan 24 jam WhatsApp: hanya templat yang disetujui yang "
                "dapat dikirim."
            ),
            retryable=False,
        )
    elif part.kind == "text":
        body.update(type="text", text={"preview_url": False, "body": part.text})
    elif part.kind == "quick_reply":  # {"type": "interactive", "interactive": {...}}
        body.update(delivery.quick_reply)
    else:
        attachment = part.attachment
        assert attachment is not None
        kind = _media_kind(attachment.content_type)
        media: dict[str, str] = {"id": _upload(attachment)}
        if kind == "document":
            media["filename"] = attachment.filename
        body.update({"type": kind, kind: media})
    response = _call(
        "POST", f"{conf.whatsapp_api_base()}/{conf.whatsapp_phone_number_id()}/messages", json=body
    )
    sent = _json(response).get("messages")
    if isinstance(sent, list) and sent and isinstance(sent[0], dict):
        return str(sent[0].get("id") or "")
    return ""


def send_standalone(to: str, content: dict[str, Any]) -> str:
    """Send one message that is not a ticket reply (a survey question, a thank-you):
    ``content`` is the typed part of the body (``{"type": "interactive", ...}``). Returns
    its ``wamid``; ``SendError`` as for replies. The caller keeps the 24-hour window."""
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        **content,
    }
    response = _call(
        "POST", f"{conf.whatsapp_api_base()}/{conf.whatsapp_phone_number_id()}/messages", json=body
    )
    sent = _json(response).get("messages")
    if isinstance(sent, list) and sent and isinstance(sent[0], dict):
        return str(sent[0].get("id") or "")
    return ""


def recipient_for(ticket: Ticket) -> str:
    """The ``wa_id`` the ticket's conversation is with; else the customer's WhatsApp
    number, else their phone number (digits, as the API takes them)."""
    address = messaging.last_address(P, ticket.pk)
    if address:
        return address
    contacts = list(
        ticket.customer.contacts.filter(kind__in=[ContactKind.WHATSAPP, ContactKind.PHONE])
        .order_by("-is_primary", "id")
        .values_list("kind", "value")
    )
    for wanted in (ContactKind.WHATSAPP, ContactKind.PHONE):
        for kind, value in contacts:
            if kind == wanted:
                return value.lstrip("+")
    return ""


ADAPTER = Adapter(
    provider=P,
    sending_enabled=conf.whatsapp_sending_enabled,
    not_configured=gettext_lazy(
        "Tidak dikirim lewat WhatsApp: Cloud API belum dikonfigurasi "
        "(SIGAP_WHATSAPP_ACCESS_TOKEN dan SIGAP_WHATSAPP_PHONE_NUMBER_ID)."
    ),
    recipient_for=recipient_for,
    no_recipient=gettext_lazy("Pelanggan tidak punya nomor WhatsApp yang dikenal."),
    send=send,
)


def download_media(media: dict[str, str]) -> tuple[bytes, str]:
    """``GET /<media id>`` gives a short-lived URL; ``GET`` it with the same token."""
    info = _json(_call("GET", f"{conf.whatsapp_api_base()}/{media['id']}"))
    url = info.get("url")
    if not isinstance(url, str) or not url:
        raise SendError(
            said_in_default_language(gettext_lazy("WhatsApp: media tanpa URL unduhan")),
            retryable=False,
        )
    size = info.get("file_size")
    if isinstance(size, int | str) and str(size).isdigit():
        check_size(media.get("filename") or media["id"], int(size))
    content = _call("GET", url).content
    return content, str(info.get("mime_type") or media.get("mime_type") or "")


# --- the 24-hour window ---------------------------------------------------------------------


def last_inbound_at(ticket: Ticket) -> datetime | None:
    """When the customer last wrote to the business number (from this ticket's wa_id)."""
    address = recipient_for(ticket)
    if not address:
        return None
    return messaging.last_inbound_at(P, address)


def window_open(ticket: Ticket) -> bool:
    latest = last_inbound_at(ticket)
    return latest is not None and timezone.now() < latest + WINDOW


def check_window(ticket: Ticket) -> None:
    """Refuse a free-form reply outside the window (templates pass)."""
    if _sending_template.get() or not conf.whatsapp_sending_enabled():
        return
    latest = last_inbound_at(ticket)
    if latest is not None and timezone.now() < latest + WINDOW:
        return
    if latest is None:
        why = gettext("Pelanggan belum pernah mengirim pesan WhatsApp ke nomor bisnis ini")
    else:
        why = gettext(
            "Jendela layanan 24 jam WhatsApp sudah tertutup: pesan terakhir pelanggan "
            "diterima %(when)s"
        ) % {"when": when(latest)}
    raise Conflict(
        gettext(
            "%(why)s. Di luar jendela ini WhatsApp hanya mengizinkan templat pesan yang sudah "
            "disetujui; kirim templat, lalu balas bebas setelah pelanggan menjawab."
        )
        % {"why": why},
        fields={
            "body": [gettext("Di luar jendela 24 jam WhatsApp: kirim templat yang disetujui.")]
        },
    )


@dataclass(frozen=True)
class WindowNotice:
    last_inbound_at: datetime | None
    last_inbound: str
    templates: list[WhatsAppTemplate]


def window_notice(ticket: Ticket) -> WindowNotice | None:
    """What the ticket page says when only templates may be sent (None: window open)."""
    if ticket.channel != Channel.WHATSAPP or not conf.whatsapp_sending_enabled():
        return None
    latest = last_inbound_at(ticket)
    if latest is not None and timezone.now() < latest + WINDOW:
        return None
    templates = list(
        templates_of(ticket.brand_id).filter(approved=True).order_by("name", "language")
    )
    return WindowNotice(latest, when(latest) if latest else "", templates)


def connection_brand_id(ticket_brand_id: int | None) -> int | None:
    """The brand of the connection a ticket of ``ticket_brand_id`` speaks through: the
    brand's own number, else the default one (None)."""
    account = conf.for_brand(P, ticket_brand_id)
    return account.brand_id if account is not None else None


def templates_of(ticket_brand_id: int | None) -> QuerySet[WhatsAppTemplate]:
    """The templates a ticket of ``ticket_brand_id`` may be sent: those of the business
    account of the connection it speaks through (a template lives in one account)."""
    return _of_connection(connection_brand_id(ticket_brand_id))


def _of_connection(brand_id: int | None) -> QuerySet[WhatsAppTemplate]:
    """The templates of the connection of ``brand_id`` (None: the default one)."""
    if brand_id is None:
        return WhatsAppTemplate.objects.filter(brand__isnull=True)
    return WhatsAppTemplate.objects.filter(brand_id=brand_id)


@contextmanager
def _template_reply() -> Iterator[None]:
    token = _sending_template.set(True)
    try:
        yield
    finally:
        _sending_template.reset(token)


def proposal_template(connection_brand: int | None = None) -> WhatsAppTemplate | None:
    """The approved template that carries proposals' offers (``for_proposals``) on the
    connection of ``connection_brand`` (None: the default one), if any."""
    return _of_connection(connection_brand).filter(for_proposals=True, approved=True).first()


def proposal_template_ready() -> bool:
    """Whether the connection in use (``conf.using_brand``) has a proposal template."""
    return proposal_template(conf.current_brand()) is not None


@transaction.atomic
def proposal_template_send(
    actor: User | None, ticket: Ticket, values: list[str], buttons: list[str]
) -> OutboundDelivery:
    """A proposal's offer as the approved proposal template (allowed outside the 24-hour
    window): a reply on WhatsApp whose text is the template filled in with ``values``, and
    whose quick-reply buttons carry ``buttons`` (the signed answer ids). ``Conflict`` when
    no approved proposal template is configured."""
    template = proposal_template(connection_brand_id(ticket.brand_id))
    if template is None:
        raise Conflict(
            gettext("Templat usulan penyelesaian WhatsApp belum dikonfigurasi atau disetujui.")
        )
    with _template_reply():
        message = services.message_add(
            actor=actor,
            ticket=ticket,
            kind=MessageKind.REPLY,
            body=render(template.body, values),
            channel=Channel.WHATSAPP,
        )
    return create_for(
        message, template=template, params=values, quick_reply={TEMPLATE_BUTTONS: buttons}
    )


@transaction.atomic
def template_send(*, actor: User, ticket: Ticket, template_id: int, params: list[str]) -> Message:
    """Send an approved template as a reply (allowed outside the 24-hour window). The
    reply's text is the template with its parameters filled in, as the customer sees it."""
    require_staff(actor)
    if ticket.channel != Channel.WHATSAPP:
        raise ValidationFailed(gettext("Templat WhatsApp hanya dapat dikirim pada tiket WhatsApp."))
    template = templates_of(ticket.brand_id).filter(pk=template_id, approved=True).first()
    if template is None:
        raise ValidationFailed(
            gettext("Templat tidak ditemukan atau belum disetujui Meta."),
            fields={"template": [gettext("Pilih templat yang disetujui.")]},
        )
    params = [p.strip() for p in params]
    while params and not params[-1]:
        params.pop()
    needed = template.param_count
    if len(params) != needed or not all(params):
        raise ValidationFailed(
            gettext(
                "Templat %(name)s memerlukan %(needed)s parameter, satu per baris "
                "(%(given)s diisi)."
            )
            % {"name": template.name, "needed": needed, "given": len(params)},
            fields={"params": [gettext("Isi %(n)s parameter.") % {"n": needed}]},
        )
    with _template_reply():
        message = services.message_add(
            actor=actor,
            ticket=ticket,
            kind=MessageKind.REPLY,
            body=render(template.body, params),
            channel=Channel.WHATSAPP,
        )
    create_for(message, template=template, params=params)
    return message
