"""An offered proposal reaches the customer on the ticket's channel, and their answer
comes back the same way.

**Offer** (``ProposalOffered``, INSIDE the offer's transaction, ``subscribers``): on a
channel whose connector sends (email, WhatsApp, Telegram, Facebook, Instagram) or
delivers (live chat), the offer becomes a public reply on the ticket (``message_add``,
so it is timed, shown in the conversation and written with its delivery row: the shared
send loop sends it once, a crash loses nothing). What the customer receives beside the
stored text:

* **WhatsApp, Telegram, Facebook, Instagram** (``Connector.quick_replies``): two
  buttons, *Terima* and *Tolak*, with signed ids ``prp:<proposal>:<a|r>:<mac>``
  (``quickreply.sign``; on Messenger and Instagram the quick replies' payloads);
* **email** (a sender without quick replies): the text with two signed links to a page
  that asks for a confirming POST (``tickets.proposal_links``; the portal's
  ``proposal_link`` view), prepared on the delivery row (``quick_reply``:
  ``{"text", "html"}``, read by the email adapter);
* **live chat**: a card with the two links under the message (``card_for``, read by
  ``livechat.selectors.message_out``).

**Phone and walk-in** (``registry.follows_up``): the offer goes to the customer's
written follow-up channel (``follow_up_route``): WhatsApp when it is set up, the customer
has a number there and Meta lets us write to it now (24 hours since its last message),
or, outside that window, as the approved proposal template when one is configured
(``Connector.offer_template``: a WhatsApp template with four body values and two
quick-reply buttons carrying the same signed ids; docs/whatsapp.md), else email when they
have an address; a note on the ticket says where it went
("Usulan dikirim lewat WhatsApp ke +62…"), ``ProposalOffer`` keeps the channel and the
recipient, and the ticket page shows them under the proposal. With neither, nothing is
sent and a note says why: the agent tells the customer and records the answer, as today.
The portal and a channel not set up (no WhatsApp token) send nothing: the portal shows
the proposal with its buttons. A reply the channel refuses now (WhatsApp's
24-hour window) is not sent: an internal note says so, and the agent tells the customer
another way and records their answer.

**Answer.** A tapped button is stored once like any webhook message (``messaging``,
``on_tap``) and, in the same transaction, ``record_tap`` checks the id's signature and
that the tapper is whom the offer went to (the authority is the offer, not the ticket's
channel: a phone ticket's offer on WhatsApp answers only from the number it went to),
then decides the proposal through
``services.proposal_answer``. A redelivered webhook is a duplicate and decides nothing;
a tap on an answered proposal changes nothing and gets a polite answer; a tap on a
withdrawn (or replaced) one gets a notice of what holds now, with the buttons of the
proposal offered in its place (``services.proposal_answers.no_longer_offered``). After a
tapped rejection the customer is asked for the reason (``ProposalOffer.reason_asked_at``):
their next message on the ticket within ``REASON_WINDOW`` lands on the ticket as usual and
is also recorded, once, as the proposal's rejection reason (``take_reason``, on
``MessageAdded`` in the message's transaction; a redelivered webhook is a duplicate and
files nothing). The answer to the customer goes through the outbox (``FOLLOW_UP``).
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from sigap.accounts import message_templates
from sigap.connectors import conf, delivery, registry
from sigap.connectors.messaging import PROPOSAL_REPLY_PREFIX, Tap
from sigap.connectors.models import InboundDelivery, ProposalOffer
from sigap.connectors.quickreply import Option, sign, unsign
from sigap.connectors.registry import Layout
from sigap.core import outbox
from sigap.core.errors import SigapError, TransitionNotAllowed
from sigap.core.locale import in_default_language
from sigap.tickets import hooks, proposal_links, services
from sigap.tickets.models import Channel, Message, MessageKind, Proposal, ProposalStatus, Ticket
from sigap.tickets.services.proposal_answers import VIA, awaits_reason, no_longer_offered
from sigap.tickets.timeline import COMPENSATION_LABELS, compensation_text

log = logging.getLogger(__name__)

MAC_SALT = "sigap.proposal.quickreply"
FOLLOW_UP = "channels.proposal_follow_up"  # outbox: the answer to a tap
ACCEPT, REJECT = "a", "r"
ACCEPT_LABEL = gettext_lazy("Terima usulan")  # the buttons: in the customer's language
REJECT_LABEL = gettext_lazy("Tolak")
ANSWER = {ACCEPT: "terima", REJECT: "tolak"}  # the link's ?jawab=
REASON_WINDOW = timedelta(hours=24)  # after a tapped rejection: the next message is the reason
REASON_SLACK = timedelta(minutes=1)  # providers' clocks (and whole seconds) differ a little


# --- ids and links ----------------------------------------------------------------------------


def answer_id(proposal_id: int, answer: str) -> str:
    """The signed id of an answer button: ``prp:<proposal>:<a|r>:<mac>``."""
    return sign(f"{PROPOSAL_REPLY_PREFIX}{proposal_id}:{answer}", MAC_SALT)


@dataclass(frozen=True)
class Answer:
    proposal_id: int
    accepted: bool


def parse_answer_id(data: str) -> Answer | None:
    """The answer a button id stands for; None when malformed or forged."""
    value = unsign(data, MAC_SALT)
    bits = value.split(":") if value is not None else []
    if len(bits) != 3 or f"{bits[0]}:" != PROPOSAL_REPLY_PREFIX:
        return None
    _, proposal_id, answer = bits
    if not proposal_id.isdigit() or answer not in (ACCEPT, REJECT):
        return None
    return Answer(int(proposal_id), answer == ACCEPT)


def link(proposal: Proposal, answer: str = "") -> str:
    """The signed answer page of ``proposal`` (``answer``: ``a``/``r`` preselects it)."""
    token = proposal_links.token_for(proposal.pk, proposal.ticket_id)
    url = settings.SITE_URL.rstrip("/") + reverse("portal:proposal_link", args=[token])
    return f"{url}?jawab={ANSWER[answer]}" if answer in ANSWER else url


# --- the offer --------------------------------------------------------------------------------


def offer_text(proposal: Proposal) -> str:
    """What the customer reads (and the ticket shows as the reply): the settings page's
    "Usulan penyelesaian" in the customer's language, for the ticket's brand (the default
    brand until tickets carry one)."""
    ticket = proposal.ticket
    customer = ticket.customer
    language = customer.preferred_language or settings.LANGUAGE_CODE
    first = message_templates.first_name(customer.name)
    summary = proposal.summary.strip()
    with translation.override(language):
        greeting = gettext("Halo %(name)s,") % {"name": first} if first else gettext("Halo,")
        if proposal.compensation_type != "none":
            summary += "\n\n" + gettext("Kompensasi: %(text)s") % {
                "text": compensation_text(
                    proposal.compensation_type,
                    proposal.compensation_amount,
                    labels=COMPENSATION_LABELS,  # the customer's words for it
                )
            }
    return message_templates.render_message(
        "proposal_offer",
        language=language,
        brand=getattr(ticket, "brand_id", None),
        context={
            "sapaan": greeting,
            "nama_depan": first,
            "nomor_tiket": ticket.reference,
            "subjek": ticket.subject,
            "usulan": summary,
        },
    ).body


def _links_text(proposal: Proposal) -> tuple[str, str]:
    """The offer with its two answer links, as text and as HTML."""
    text = offer_text(proposal)
    accept, reject = link(proposal, ACCEPT), link(proposal, REJECT)
    with translation.override(proposal.ticket.customer.language):
        yes, no = _("Terima usulan"), _("Tolak usulan")
        plain = f"{text}\n\n{yes}: {accept}\n{no}: {reject}\n\n" + _(
            "Tautan berlaku 14 hari. Anda juga dapat membalas pesan ini."
        )
        body = html.escape(text).replace("\n", "<br>\n")
        rich = (
            f"<div>{body}</div>\n<p>"
            f'<a href="{html.escape(accept)}">{html.escape(yes)}</a> &nbsp;·&nbsp; '
            f'<a href="{html.escape(reject)}">{html.escape(no)}</a></p>\n<p>'
            + html.escape(_("Tautan berlaku 14 hari. Anda juga dapat membalas email ini."))
            + "</p>"
        )
    return plain, rich


FOLLOW_UP_CHANNELS = (Channel.WHATSAPP, Channel.EMAIL)  # the written channels, preferred first


@dataclass(frozen=True)
class Route:
    """Where an offer on a phone or walk-in ticket goes: a written channel and the
    customer's address there (as its connector addresses them)."""

    channel: str
    recipient: str
    template: bool = False  # as the channel's approved proposal template (outside its window)


def shown_address(channel: str, recipient: str) -> str:
    """A recipient as people read it: a WhatsApp ``wa_id`` as ``+62…``."""
    return f"+{recipient}" if channel == Channel.WHATSAPP and recipient.isdigit() else recipient


def follow_up_route(ticket: Ticket) -> tuple[Route | None, list[str]]:
    """The customer's written follow-up channel for a ticket whose own channel reaches
    nobody in writing (``registry.follows_up``): WhatsApp when it is set up, the customer
    has a number there and WhatsApp lets us write now (its 24-hour window), else email
    when they have an address, else none. Also says why each channel was passed over."""
    passed: list[str] = []
    for channel in FOLLOW_UP_CHANNELS:
        with conf.using_brand(channel, ticket.brand_id):  # the brand's own number
            route = _route_on(channel, ticket, passed)
        if route is not None:
            return route, passed
    return None, passed


def _route_on(channel: str, ticket: Ticket, passed: list[str]) -> Route | None:
    """``channel`` as the follow-up route, or None (why it was passed over added to
    ``passed``)."""
    connector = registry.get(channel)
    sender = connector.sender if connector is not None else None
    if connector is None or sender is None or not sender.sending_enabled():
        return None
    recipient = sender.recipient_for(ticket)
    why = (
        str(sender.no_recipient)
        if not recipient
        else (connector.direct.unavailable(ticket) if connector.direct is not None else "")
    )
    template = connector.offer_template
    if why and recipient and template is not None and template.ready():
        return Route(channel, recipient, template=True)  # outside the window
    if why:
        passed.append(f"{connector.label}: {why}")
        return None
    return Route(channel, recipient)


TEMPLATE_SUMMARY_LIMIT = 600  # Meta: a template's body, parameters filled in, is 1,024 at most


def template_values(proposal: Proposal) -> list[str]:
    """The proposal template's four body values: the customer's first name, the ticket's
    reference, the proposal and the compensation (Meta: each one line, without tabs or
    more than four spaces in a row, never empty)."""
    ticket = proposal.ticket
    names = ticket.customer.name.split()
    summary = " ".join(proposal.summary.split())
    if len(summary) > TEMPLATE_SUMMARY_LIMIT:
        summary = summary[: TEMPLATE_SUMMARY_LIMIT - 1].rstrip() + "…"
    with translation.override(ticket.customer.language):
        compensation = (
            compensation_text(
                proposal.compensation_type,
                proposal.compensation_amount,
                labels=COMPENSATION_LABELS,
            )
            if proposal.compensation_type != "none"
            else _("tidak ada")
        )
        first = names[0] if names else _("Pelanggan")
    return [first, ticket.reference, summary or "-", compensation]


def wants_offer(event: hooks.ProposalOffered) -> bool:
    """Does the ticket's channel carry an offer (it sends or delivers replies), or does
    the offer go to the customer's follow-up channel (a phone or walk-in ticket)?"""
    return registry.delivers(event.channel) or registry.follows_up(event.channel)


@in_default_language  # its notes are for the staff; the offer itself is in the customer's
def offer(event: hooks.ProposalOffered) -> None:
    """In the offer's transaction: the reply that carries the proposal, with its buttons
    or links (once per proposal); on a phone or walk-in ticket it goes to the customer's
    follow-up channel and a note on the ticket says where."""
    if ProposalOffer.objects.filter(proposal_id=event.proposal_id).exists():
        return
    proposal = Proposal.objects.select_related("ticket__customer", "created_by", "approved_by").get(
        pk=event.proposal_id
    )
    channel = event.channel
    route: Route | None = None
    if registry.follows_up(channel):
        route, passed = follow_up_route(proposal.ticket)
        if route is None:
            if passed:  # the agent tells the customer on the phone, as without a channel
                services.message_add(
                    actor=None,
                    ticket=proposal.ticket,
                    kind=MessageKind.NOTE,
                    body=_(
                        "Usulan tidak dikirim tertulis (%(why)s). Sampaikan usulan kepada "
                        "pelanggan, lalu catat jawabannya."
                    )
                    % {"why": "; ".join(passed)},
                )
            return
        channel = route.channel
    connector = registry.get(channel)
    if connector is None or (
        connector.sender is not None and not connector.sender.sending_enabled()
    ):
        return  # a channel not set up sends nothing: the portal shows the offer
    author = proposal.created_by if proposal.created_by and proposal.created_by.is_active else None
    template = connector.offer_template if route is not None and route.template else None
    try:
        if template is not None:  # the approved template, with the two answer buttons
            row = template.send(
                author or proposal.approved_by,
                proposal.ticket,
                template_values(proposal),
                [option.id for option in answer_options(proposal)],
            )
            message = row.message
        else:
            message = services.message_add(
                actor=author or proposal.approved_by,
                ticket=proposal.ticket,
                kind=MessageKind.REPLY,
                body=offer_text(proposal),
                channel=channel,
            )
    except SigapError as exc:  # the channel refuses a reply now (WhatsApp's 24 hours)
        log.info("proposal %s not sent on %s: %s", proposal.pk, channel, exc.message)
        services.message_add(
            actor=None,
            ticket=proposal.ticket,
            kind=MessageKind.NOTE,
            body=_(
                "Usulan belum terkirim lewat %(channel)s: %(why)s Sampaikan usulan kepada "
                "pelanggan dengan cara lain, lalu catat jawabannya."
            )
            % {"channel": connector.label, "why": exc.message},
        )
        return
    recipient = ""
    if template is not None:
        recipient = row.recipient
    elif connector.sender is not None:
        content: dict[str, Any] = {}
        text, rich = _links_text(proposal)
        if connector.quick_replies is not None:
            content = connector.quick_replies(message.body, answer_options(proposal))
        if not content:
            content = {"text": text, "html": rich}
        elif "quick_replies" in content:  # Meta: a comment's private reply takes no buttons
            content["fallback"] = text
        recipient = delivery.create_for(message, quick_reply=content).recipient
    # live chat (no sender): the card under the message (``card_for``)
    ProposalOffer.objects.create(
        proposal=proposal, message=message, channel=channel, recipient=recipient
    )
    if channel != event.channel:  # the ticket's timeline says where it went
        services.message_add(
            actor=None,
            ticket=proposal.ticket,
            kind=MessageKind.NOTE,
            body=_("Usulan dikirim lewat %(channel)s ke %(to)s; pelanggan dapat menjawab di sana.")
            % {"channel": connector.label, "to": shown_address(channel, recipient)}
            + (
                " "
                + _(
                    "Dikirim sebagai templat pesan yang disetujui: pelanggan belum menulis "
                    "dalam 24 jam terakhir."
                )
                if template is not None
                else ""
            ),
        )


def routes_for(proposal_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Where the offers of ``proposal_ids`` went, as the ticket page shows it under each
    proposal: proposal id → (channel label, address as people read it); one query."""
    if not proposal_ids:
        return {}
    rows = ProposalOffer.objects.filter(proposal_id__in=proposal_ids).exclude(channel="")
    return {
        row.proposal_id: (registry.label(row.channel), shown_address(row.channel, row.recipient))
        for row in rows.only("proposal_id", "channel", "recipient")
    }


def answer_options(proposal: Proposal) -> list[Option]:
    """The two answer buttons of ``proposal``, in its customer's language."""
    with translation.override(proposal.ticket.customer.language):
        return [
            Option(answer_id(proposal.pk, ACCEPT), str(ACCEPT_LABEL)),
            Option(answer_id(proposal.pk, REJECT), str(REJECT_LABEL)),
        ]


def card_for(message_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The answer cards of the offers among ``message_ids`` (live chat shows them under
    the message): message id → {proposal, status, accept, reject}."""
    if not message_ids:
        return {}
    rows = ProposalOffer.objects.filter(message_id__in=message_ids).select_related("proposal")
    return {
        row.message_id: {
            "proposal": row.proposal_id,
            "open": row.proposal.status == ProposalStatus.OFFERED,
            "status": str(row.proposal.get_status_display()),
            "accept": link(row.proposal, ACCEPT),
            "reject": link(row.proposal, REJECT),
        }
        for row in rows
    }


# --- the answer -------------------------------------------------------------------------------

REPLIES = {  # said in the customer's language when sent; the others are message templates
    "stale": gettext_lazy(
        "Usulan ini sudah tidak berlaku. Petugas kami akan menghubungi Anda dengan usulan terbaru."
    ),
    "refused": gettext_lazy("Pilihan ini tidak berlaku."),
}


def _belongs(proposal: Proposal, tap: Tap) -> bool:
    """Is the person who tapped the one the offer went to? An offer sent to a follow-up
    channel (a phone ticket's offer on WhatsApp) answers only from the address it was
    sent to; one on the ticket's own channel, from the ticket's customer (their channel
    contact, or the address they wrote to us from on a ticket of theirs). The authority
    is the offer, not the ticket's channel."""
    sent = ProposalOffer.objects.filter(proposal_id=proposal.pk).first()
    channel = (sent.channel if sent is not None else "") or proposal.ticket.channel
    if channel != tap.provider:
        return False
    if sent is not None and sent.recipient and channel != proposal.ticket.channel:
        return sent.recipient in (tap.address, tap.sender)
    connector = registry.get(tap.provider)
    kinds = connector.direct.contact_kinds if connector and connector.direct else ()
    customer = proposal.ticket.customer
    if customer.contacts.filter(kind__in=kinds, value=tap.contact_value).exists():
        return True
    return InboundDelivery.objects.filter(
        provider=tap.provider, sender=tap.sender, message__ticket__customer_id=customer.pk
    ).exists()


def record_tap(tap: Tap) -> str:
    """Decide the proposal a tapped button answers (in the transaction that stores the
    tap once). Returns ``answered``, ``stale`` (no longer offered) or ``refused``
    (forged, unknown, someone else's). The answer to the customer (and Telegram's
    callback) is sent by the worker once the tap is stored."""
    answer = parse_answer_id(tap.data)
    proposal = (
        Proposal.objects.select_related("ticket__customer").filter(pk=answer.proposal_id).first()
        if answer is not None
        else None
    )
    outcome, what = "refused", "refused"
    if answer is None or proposal is None:
        log.warning(
            "proposal tap refused: bad or unknown id %r from %s", tap.data[:100], tap.sender
        )
    elif not _belongs(proposal, tap):
        log.warning(
            "proposal tap refused: %s %s is not whom proposal %s was offered to",
            tap.provider,
            tap.sender,
            proposal.pk,
        )
    elif proposal.status != ProposalStatus.OFFERED:
        outcome = "stale"
        answered = proposal.status in (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED)
        what = "answered" if answered else "stale"
    else:
        try:
            with transaction.atomic():
                services.proposal_answer(
                    proposal=proposal, accepted=answer.accepted, via=tap.provider
                )
        except TransitionNotAllowed:  # answered a moment ago (another tap, the portal)
            outcome, what = "stale", "answered"
        else:
            outcome, what = "answered", "accepted" if answer.accepted else "rejected"
            if not answer.accepted:  # ask why; their next message is the reason
                ProposalOffer.objects.filter(proposal_id=proposal.pk).update(
                    reason_asked_at=timezone.now()
                )
    outbox.later(
        FOLLOW_UP,
        provider=tap.provider,
        address=tap.address,
        callback_id=tap.callback_id,
        proposal_id=proposal.pk if proposal is not None else 0,
        what=what,
    )
    return outcome


def follow_up(provider: str, address: str, callback_id: str, proposal_id: int, what: str) -> None:
    """After a tap: thank the customer (and ask a rejecting one why), or say politely
    that the proposal was answered already, or that it is withdrawn and what holds now
    (with the buttons of the proposal offered in its place); on Telegram the callback
    query is answered first."""
    proposal = Proposal.objects.select_related("ticket__customer").filter(pk=proposal_id).first()
    language = proposal.ticket.customer.language if proposal is not None else None
    with translation.override(language):
        _follow_up(provider, address, callback_id, proposal, what)


def _follow_up(
    provider: str, address: str, callback_id: str, proposal: Proposal | None, what: str
) -> None:
    current: Proposal | None = None
    if what == "stale" and proposal is not None:
        notice = no_longer_offered(proposal)
        text, current = notice.text, notice.current
    elif what == "accepted" and proposal is not None:
        customer = proposal.ticket.customer
        text = message_templates.render_message(
            "proposal_accepted",
            language=customer.preferred_language,
            brand=getattr(proposal.ticket, "brand_id", None),
            context={"nomor_tiket": proposal.ticket.reference},
        ).body
    elif what in ("rejected", "answered") and proposal is not None:
        text = message_templates.render_message(
            f"proposal_{what}",
            language=proposal.ticket.customer.preferred_language,
            brand=getattr(proposal.ticket, "brand_id", None),
            context={
                "nomor_tiket": proposal.ticket.reference,
                "status_usulan": str(proposal.get_status_display()).lower(),
            },
        ).body
    else:
        text = str(REPLIES["refused" if what == "refused" else "stale"])
    connector = registry.get(provider)
    direct = connector.direct if connector is not None else None
    if direct is None:
        return
    if callback_id and direct.acknowledge is not None:
        try:  # the button's spinner: worthless once the provider stopped waiting
            direct.acknowledge(callback_id, text[:200])
        except delivery.SendError as exc:
            log.info("proposal tap %s not acknowledged: %s", callback_id, exc.text)
    if what == "refused" or not address:
        return
    if current is not None:  # the proposal offered now, with its own buttons
        try:
            direct.ask(address, text, answer_options(current), Layout())
            return
        except delivery.SendError as exc:
            if exc.retryable:
                raise
            log.info("proposal %s: buttons not sent (%s); text only", current.pk, exc.text)
    direct.say(address, text)


# --- the reason after a tapped rejection ------------------------------------------------------


def wants_reason(event: hooks.MessageAdded) -> bool:
    """A customer's message on a channel whose answer buttons can be tapped."""
    if event.kind != MessageKind.INBOUND or not event.text.strip():
        return False
    connector = registry.get(event.channel)
    return connector is not None and connector.quick_replies is not None


def take_reason(event: hooks.MessageAdded) -> None:
    """In the transaction that files a customer's message: when they were asked why they
    rejected a proposal by a tap (within ``REASON_WINDOW``, and no alternative offered
    since), the message is the proposal's rejection reason, once."""
    since = timezone.now() - REASON_WINDOW
    row = (
        ProposalOffer.objects.filter(
            message__ticket_id=event.ticket_id,
            reason_asked_at__gte=since,
            reason_message__isnull=True,
            proposal__status=ProposalStatus.REJECTED,
            proposal__alternative__isnull=True,
        )
        .select_related("proposal__ticket__customer")
        .order_by("-reason_asked_at")
        .first()
    )
    if row is None or row.reason_asked_at is None:
        return
    written_after = Message.objects.filter(
        pk=event.message_id, created_at__gte=row.reason_asked_at - REASON_SLACK
    ).exists()
    if not written_after or not awaits_reason(row.proposal):
        return
    claimed = ProposalOffer.objects.filter(pk=row.pk, reason_message__isnull=True).update(
        reason_message_id=event.message_id
    )
    if not claimed:
        return
    try:
        with transaction.atomic():
            services.proposal_reason_add(
                proposal=row.proposal,
                reason=event.text,
                via=event.channel if event.channel in VIA else "other",
                message_id=event.message_id,
            )
    except SigapError as exc:  # a reason recorded a moment ago another way: keep that one
        log.info("proposal %s: reason not taken: %s", row.proposal_id, exc.message)
