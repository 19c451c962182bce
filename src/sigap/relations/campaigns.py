"""Proactive contact: a notice to a segment of customers (or to an incident's customers, by
their ids) on WhatsApp (an approved template), email or Telegram.

* **Who.** ``Segment`` filters customers (tier, organization, region, a channel, a tag or
  a product of their tickets, last contact before/after, or a list of ids); only those
  with a recorded consent for the campaign's purpose and an address on its channel are
  drawn.
  ``preview`` shows how many and the first few before anything is sent.
* **Queueing** (``campaign_queue``): the draft becomes ``queued`` and one
  ``CampaignRecipient`` per customer is inserted in bulk in the same transaction (the
  unique (campaign, customer) pair: queueing twice adds nobody twice).
* **Sending** (``send_due``, the minute job): from ``send_at``, at most the campaign's
  ``rate_per_minute`` and the channel's ``CHANNEL_RATE`` per minute, counted from what was
  sent since the clock minute began. Each recipient is claimed with a conditional UPDATE
  (``queued`` → ``sending``) before the provider is called, then marked ``sent``.
  Consent is checked again at that moment: an opt-out after queueing is honoured.
  A worker that dies between the claim and the mark leaves one row ``sending``; once its
  lease is over it becomes ``uncertain`` and is never sent again, so nobody gets a
  second copy (at most the one message in flight is unaccounted, shown as such).
  Retryable provider errors put the row back with backoff; others fail it.
* **Counts.** sent, failed, skipped; WhatsApp's delivered/read statuses
  (``apply_status``, fed by the status webhook through ``delivery.on_unknown_status``);
  replies (``on_reply``: the customer's next message on that channel within
  ``REPLY_WINDOW``, filed on their open ticket there or a new one as every inbound message
  is).

The same machinery sends birthday greetings and tier-change notices
(``greet_birthdays``, ``notify_tier_change``): a system campaign per day or per change,
keyed so that running twice makes nothing twice.

Campaign messages are not ticket replies: ``OutboundDelivery`` is one row per ticket
message, so a notice to 100,000 customers would need 100,000 tickets. The recipient row
plays that part here, sent through the connectors' own clients (``send_standalone``,
``send_message``, Django's mail backend), with the same ``SendError`` classification.
"""

from __future__ import annotations

import html
import logging
import smtplib
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import brands
from sigap.accounts.models import User
from sigap.connectors import conf
from sigap.connectors.delivery import BACKOFF, SendError
from sigap.connectors.models import WhatsAppTemplate
from sigap.connectors.telegram.outbound import send_message
from sigap.connectors.whatsapp.outbound import send_standalone
from sigap.core.errors import Conflict, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.customers.models import ContactKind, Customer, CustomerContact, LoyaltyTier
from sigap.relations import consent
from sigap.relations.models import (
    Campaign,
    CampaignChannel,
    CampaignKind,
    CampaignRecipient,
    CampaignStatus,
    Consent,
    Purpose,
    RecipientState,
)
from sigap.tickets import hooks
from sigap.tickets.models import MessageKind, Ticket
from sigap.webhooks.catalogue import emit

log = logging.getLogger(__name__)
R = RecipientState

PREVIEW_SIZE = 20
QUEUE_BATCH = 5_000
LEASE = timedelta(minutes=5)  # a claimed row not marked within this is ``uncertain``
REPLY_WINDOW = timedelta(days=7)
MAX_ATTEMPTS = 4
# at most this many campaign messages a minute per channel, all campaigns together
CHANNEL_RATE = {
    CampaignChannel.WHATSAPP: 600,
    CampaignChannel.EMAIL: 600,
    CampaignChannel.TELEGRAM: 1_200,
}
NAME = "{nama}"  # in a body or a template parameter: the customer's first name

CONTACT_KINDS: dict[str, list[str]] = {
    CampaignChannel.WHATSAPP.value: [ContactKind.WHATSAPP.value, ContactKind.PHONE.value],
    CampaignChannel.EMAIL.value: [ContactKind.EMAIL.value],
    CampaignChannel.TELEGRAM.value: [ContactKind.TELEGRAM.value],
}


# --- the segment ---------------------------------------------------------------------------------


@dataclass
class Segment:
    tiers: list[str] = field(default_factory=list)
    organization_id: int | None = None
    ticket_channel: str = ""
    tag: str = ""
    contact_after: str = ""  # ISO dates: a ticket opened on or after / none since
    contact_before: str = ""
    customer_ids: list[int] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # the customer's region, any of these
    products: list[str] = field(default_factory=list)  # a ticket about any of these
    # a ticket of this brand (issue 17; the default brand's: also tickets older than brands)
    brand_id: int | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Segment:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None, [])}


def _day(value: str, label: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            _("Tanggal %(label)s tidak valid: %(value)s.") % {"label": label, "value": value}
        ) from None
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def audience(segment: Segment, *, purpose: str, channel: str) -> QuerySet[Customer]:
    """The customers a campaign reaches: the segment's, with consent for ``purpose`` and
    an address on ``channel``; never merged or erased records."""
    rows = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    rows = rows.filter(
        Exists(Consent.objects.filter(customer=OuterRef("pk"), purpose=purpose, granted=True)),
        Exists(
            CustomerContact.objects.filter(
                customer=OuterRef("pk"), kind__in=CONTACT_KINDS.get(channel, [])
            )
        ),
    )
    if segment.customer_ids:
        rows = rows.filter(pk__in=segment.customer_ids)
    if segment.tiers:
        rows = rows.filter(loyalty_tier__in=segment.tiers)
    if segment.organization_id:
        rows = rows.filter(organization_id=segment.organization_id)
    if segment.regions:
        rows = rows.filter(region__in=segment.regions)
    tickets = Ticket.objects.filter(customer=OuterRef("pk"))
    if segment.products:
        rows = rows.filter(Exists(tickets.filter(product__in=segment.products)))
    if segment.ticket_channel:
        rows = rows.filter(Exists(tickets.filter(channel=segment.ticket_channel)))
    if segment.tag:
        rows = rows.filter(Exists(tickets.filter(tags__name=segment.tag)))
    if segment.brand_id is not None:
        rows = rows.filter(Exists(tickets.filter(_of_brand(segment.brand_id))))
    if segment.contact_after:
        since = _day(segment.contact_after, _("kontak terakhir sesudah"))
        rows = rows.filter(Exists(tickets.filter(created_at__gte=since)))
    if segment.contact_before:
        until = _day(segment.contact_before, _("kontak terakhir sebelum"))
        rows = rows.filter(Exists(tickets)).exclude(Exists(tickets.filter(created_at__gte=until)))
    return rows


def _of_brand(brand_id: int) -> Q:
    """Tickets of a brand; the default brand's include those from before brands (null)."""
    found = Q(brand_id=brand_id)
    if brand_id == brands.default_id():
        found |= Q(brand__isnull=True)
    return found


def with_template_brand(
    segment: Segment, template: WhatsAppTemplate | None, channel: str
) -> Segment:
    """A WhatsApp campaign with a brand's template (sent from that brand's own number)
    reaches that brand's customers; a segment naming another brand is refused, or its
    customers would get a message from a brand's number they never wrote to (a template
    of the default connection is the default brand's)."""
    if channel != CampaignChannel.WHATSAPP or template is None:
        return segment
    if segment.brand_id is None:
        if template.brand_id is None:
            return segment
        return replace(segment, brand_id=template.brand_id)
    sender = template.brand_id or brands.default_id()
    if segment.brand_id != sender:
        message = _(
            "Templat ini dikirim dari nomor WhatsApp merek lain: pilih templat merek yang "
            "dipilih di sasaran, atau kosongkan merek sasaran."
        )
        raise ValidationFailed(message, fields={"template_id": [message]})
    return segment


@dataclass(frozen=True)
class Preview:
    count: int
    first: list[Customer]


def preview(
    segment: Segment,
    *,
    purpose: str,
    channel: str,
    template: WhatsAppTemplate | None = None,
) -> Preview:
    """How many customers a campaign would reach and the first ``PREVIEW_SIZE`` (2 queries);
    with ``template``: its brand's customers by default (``with_template_brand``)."""
    segment = with_template_brand(segment, template, channel)
    rows = audience(segment, purpose=purpose, channel=channel)
    return Preview(rows.count(), list(rows.order_by("name", "id")[:PREVIEW_SIZE]))


# --- drafting and queueing -----------------------------------------------------------------------


def _check(
    *,
    name: str,
    purpose: str,
    channel: str,
    template: WhatsAppTemplate | None,
    params: list[str],
    subject: str,
    body: str,
    rate_per_minute: int,
) -> None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Nama kampanye wajib diisi.")]
    if purpose not in Purpose.values:
        errors["purpose"] = [_("Pilih tujuan kampanye.")]
    if channel not in CampaignChannel.values:
        errors["channel"] = [_("Pilih saluran kampanye.")]
    if channel == CampaignChannel.WHATSAPP:
        if template is None or not template.approved:
            errors["template"] = [_("WhatsApp memerlukan templat yang disetujui Meta.")]
        elif len(params) != template.param_count or not all(p.strip() for p in params):
            errors["template_params"] = [
                _("Templat %(name)s memerlukan %(n)d parameter, satu per baris.")
                % {"name": template.name, "n": template.param_count}
            ]
    elif not body.strip():
        errors["body"] = [_("Isi pesan wajib diisi.")]
    if channel == CampaignChannel.EMAIL and not subject.strip():
        errors["subject"] = [_("Subjek email wajib diisi.")]
    if rate_per_minute < 1:
        errors["rate_per_minute"] = [_("Batas per menit minimal 1.")]
    if errors:
        raise ValidationFailed(_("Kampanye belum disimpan; periksa isiannya."), fields=errors)


def campaign_create(
    *,
    actor: User | None,
    name: str,
    purpose: str,
    channel: str,
    segment: Segment,
    template: WhatsAppTemplate | None = None,
    template_params: list[str] | None = None,
    subject: str = "",
    body: str = "",
    send_at: datetime | None = None,
    rate_per_minute: int = 60,
    kind: str = CampaignKind.NOTICE,
    key: str = "",
) -> Campaign:
    """A draft campaign (nothing is sent until it is queued)."""
    params = [p.strip() for p in (template_params or [])]
    _check(
        name=name,
        purpose=purpose,
        channel=channel,
        template=template,
        params=params,
        subject=subject,
        body=body,
        rate_per_minute=rate_per_minute,
    )
    for value in (segment.contact_after, segment.contact_before):
        if value:
            _day(value, _("kontak terakhir"))
    segment = with_template_brand(segment, template, channel)
    return Campaign.objects.create(
        name=name.strip(),
        kind=kind,
        key=key,
        purpose=purpose,
        channel=channel,
        template=template if channel == CampaignChannel.WHATSAPP else None,
        template_params=params if channel == CampaignChannel.WHATSAPP else [],
        subject=subject.strip(),
        body=body.strip(),
        segment=segment.as_json(),
        send_at=send_at,
        rate_per_minute=rate_per_minute,
        created_by=actor,
    )


@transaction.atomic
def campaign_queue(*, campaign: Campaign, params: dict[int, dict[str, str]] | None = None) -> int:
    """Queue a draft: one recipient row per customer of its audience, inserted in bulk,
    and the campaign ``queued`` (from ``send_at``, or now), all in one transaction.
    ``params``: per-customer values of a system campaign. Returns the number queued."""
    now = timezone.now()
    claimed = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.DRAFT).update(
        status=CampaignStatus.QUEUED, queued_at=now, send_at=campaign.send_at or now
    )
    if not claimed:
        raise Conflict(_("Kampanye ini sudah diantrekan atau dibatalkan."))
    segment = Segment.of(campaign.segment)
    ids = audience(segment, purpose=campaign.purpose, channel=campaign.channel).values_list(
        "pk", flat=True
    )
    # a system campaign's few customers each have their own values; a notice's are one
    # INSERT ... SELECT
    total = _insert_rows(campaign, ids, params) if params else _insert_select(campaign, ids)
    Campaign.objects.filter(pk=campaign.pk).update(recipients_total=total)
    campaign.refresh_from_db()
    emit("campaign.scheduled", campaign_payload(campaign))
    return total


def campaign_payload(campaign: Campaign, **extra: Any) -> dict[str, Any]:
    """A campaign in a webhook event (``webhooks.catalogue``). A system campaign's name
    can hold a customer's (a tier change): only a notice's is sent."""
    return {
        "campaign_id": campaign.pk,
        "name": campaign.name if campaign.kind == CampaignKind.NOTICE else "",
        "kind": campaign.kind,
        "purpose": campaign.purpose,
        "channel": campaign.channel,
        "status": campaign.status,
        "send_at": campaign.send_at.isoformat() if campaign.send_at else None,
        "recipients": campaign.recipients_total,
        **extra,
    }


def _insert_rows(
    campaign: Campaign, ids: QuerySet[Customer, int], params: dict[int, dict[str, str]]
) -> int:
    rows = [
        CampaignRecipient(
            campaign_id=campaign.pk,
            customer_id=customer_id,
            channel=campaign.channel,
            params=params.get(customer_id, {}),
        )
        for customer_id in ids.order_by("pk")
    ]
    CampaignRecipient.objects.bulk_create(rows, batch_size=QUEUE_BATCH, ignore_conflicts=True)
    return len(rows)


def _insert_select(campaign: Campaign, ids: QuerySet[Customer, int]) -> int:
    """One ``INSERT … SELECT`` of the audience query: the rows never leave the database
    (100,000 recipients in one statement). ``ON CONFLICT DO NOTHING``: the unique pair."""
    # the audience's one column (the customer's id) is taken by position: its name in the
    # subquery differs between the engines
    select, select_params = ids.order_by().query.sql_with_params()
    table = CampaignRecipient._meta.db_table
    empty = "'{}'::jsonb" if connection.vendor == "postgresql" else "'{}'"
    sql = (
        f"INSERT INTO {table} (campaign_id, customer_id, channel, params, state, address,"
        " attempts, provider_id, error)"
        f" SELECT %s, audience.*, %s, {empty}, %s, '', 0, '', ''"
        f" FROM ({select}) AS audience WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, campaign.channel, R.QUEUED, *select_params])
        count: int = cursor.rowcount
    return max(count, 0)


def campaign_cancel(*, campaign: Campaign) -> int:
    """Stop a draft or queued campaign: what is not sent yet is skipped."""
    with transaction.atomic():
        updated = Campaign.objects.filter(
            pk=campaign.pk, status__in=[CampaignStatus.DRAFT, CampaignStatus.QUEUED]
        ).update(status=CampaignStatus.CANCELLED, finished_at=timezone.now())
        if not updated:
            raise Conflict(_("Kampanye ini sudah selesai atau dibatalkan."))
        skipped = CampaignRecipient.objects.filter(campaign=campaign, state=R.QUEUED).update(
            state=R.SKIPPED, error=_("Kampanye dibatalkan.")
        )
        campaign.refresh_from_db()
        emit("campaign.cancelled", campaign_payload(campaign, skipped=skipped))
    return skipped


# --- sending -------------------------------------------------------------------------------------


def _first_name(customer: Customer) -> str:
    return customer.first_name or customer.name


def _fill(text: str, customer: Customer, params: dict[str, Any]) -> str:
    text = text.replace(NAME, _first_name(customer))
    for key, value in params.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def address_for(customer_id: int, channel: str) -> str:
    """Where the customer is reached on ``channel`` (primary contact first): a WhatsApp
    number as digits, an email address, a Telegram chat id; "" when none."""
    kinds = CONTACT_KINDS.get(channel, [])
    contacts = list(
        CustomerContact.objects.filter(customer_id=customer_id, kind__in=kinds)
        .order_by("-is_primary", "id")
        .values_list("kind", "value")
    )
    for wanted in kinds:
        for kind, value in contacts:
            if kind != wanted:
                continue
            if channel == CampaignChannel.WHATSAPP:
                return value.lstrip("+")
            if channel == CampaignChannel.TELEGRAM and not value.lstrip("-").isdigit():
                continue  # a @username cannot be written to by a bot
            return value
    return ""


def unsubscribe_url(customer_id: int, purpose: str) -> str:
    token = consent.unsubscribe_token(customer_id, purpose)
    return settings.SITE_URL.rstrip("/") + reverse("web:unsubscribe", args=[token])


def _send_whatsapp(campaign: Campaign, recipient: CampaignRecipient, customer: Customer) -> str:
    template = campaign.template
    if template is None:
        raise SendError(
            said_in_default_language(gettext_lazy("Kampanye WhatsApp tanpa templat.")),
            retryable=False,
        )
    params = [_fill(p, customer, recipient.params) for p in campaign.template_params]
    payload: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if params:
        payload["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
        ]
    # a template lives in one business account: it leaves through its own connection (a
    # brand's number for a brand's template), never through another one
    account = conf.for_brand("whatsapp", template.brand_id)
    if template.brand_id is not None and account is None:
        raise SendError(_("Koneksi WhatsApp merek templat ini sudah diputus."), retryable=False)
    with conf.using(account):
        return send_standalone(
            recipient.address,
            {
                "type": "template",
                "template": payload,
                "biz_opaque_callback_data": f"campaign:{recipient.pk}",
            },
        )


def _send_telegram(campaign: Campaign, recipient: CampaignRecipient, customer: Customer) -> str:
    text = _fill(campaign.body, customer, recipient.params)
    text += "\n\n" + _("Balas STOP untuk berhenti menerima pesan seperti ini.")
    return send_message(recipient.address, text)


def _send_email(campaign: Campaign, recipient: CampaignRecipient, customer: Customer) -> str:
    _name, from_addr = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = from_addr.split("@")[-1] or "sigap.local"
    message_id = f"<sgpc{recipient.pk}@{domain}>"
    link = unsubscribe_url(customer.pk, campaign.purpose)
    text = _fill(campaign.body, customer, recipient.params)
    footer = _("Tidak ingin menerima email seperti ini lagi? Berhenti berlangganan: %(link)s") % {
        "link": link
    }
    rich = (
        "<div>"
        + html.escape(text).replace("\n", "<br>\n")
        + f'</div>\n<p style="font-size:small"><a href="{html.escape(link)}">'
        + html.escape(_("Berhenti berlangganan"))
        + "</a></p>"
    )
    mail = EmailMultiAlternatives(
        subject=_fill(campaign.subject, customer, recipient.params),
        body=f"{text}\n\n--\n{footer}",
        from_email=formataddr((settings.SIGAP_BUSINESS_NAME, from_addr)),
        to=[recipient.address],
        headers={
            "Message-ID": message_id,
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    mail.attach_alternative(rich, "text/html")
    try:
        mail.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        raise SendError(
            said_in_default_language(
                gettext_lazy("Server email menolak penerima: %(recipients)s"),
                recipients=exc.recipients,
            ),
            retryable=any(code < 500 for code in codes),
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(
            _("Server email menjawab %(code)s") % {"code": exc.smtp_code},
            retryable=exc.smtp_code < 500,
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(
            _("Server email tidak dapat dihubungi: %(why)s") % {"why": exc}, retryable=True
        ) from exc
    return message_id


SENDERS = {
    CampaignChannel.WHATSAPP: _send_whatsapp,
    CampaignChannel.TELEGRAM: _send_telegram,
    CampaignChannel.EMAIL: _send_email,
}


def channel_ready(channel: str, template: WhatsAppTemplate | None = None) -> bool:
    """Whether the campaign's channel can send: on WhatsApp, the connection of its
    template (a brand's own number, else the default one)."""
    if channel == CampaignChannel.WHATSAPP:
        brand_id = template.brand_id if template is not None else None
        with conf.using_brand("whatsapp", brand_id):
            return conf.whatsapp_sending_enabled()
    if channel == CampaignChannel.TELEGRAM:
        return conf.telegram_sending_enabled()
    return True


def _close(recipient_id: int, **fields: Any) -> None:
    CampaignRecipient.objects.filter(pk=recipient_id, state=R.SENDING).update(**fields)


def send_one(recipient_id: int) -> str:
    """Send one recipient's message: ``sent``, ``failed``, ``skipped`` (no consent now, no
    address), ``retry`` or ``taken`` (another worker has it, or it is done)."""
    now = timezone.now()
    claimed = (
        CampaignRecipient.objects.filter(pk=recipient_id, state=R.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(state=R.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "taken"
    recipient = CampaignRecipient.objects.select_related("campaign__template", "customer").get(
        pk=recipient_id
    )
    campaign, customer = recipient.campaign, recipient.customer
    if not consent.consented(customer.pk, campaign.purpose):
        _close(recipient.pk, state=R.SKIPPED, error=_("Pelanggan tidak bersedia dihubungi."))
        return "skipped"
    recipient.address = address_for(customer.pk, campaign.channel)
    if not recipient.address:
        _close(recipient.pk, state=R.SKIPPED, error=_("Tidak ada alamat pada saluran ini."))
        return "skipped"
    CampaignRecipient.objects.filter(pk=recipient.pk).update(address=recipient.address)
    try:
        provider_id = SENDERS[CampaignChannel(campaign.channel)](campaign, recipient, customer)
    except SendError as exc:
        if exc.retryable and recipient.attempts < MAX_ATTEMPTS:  # counted by the claim
            delay = exc.retry_after or BACKOFF[min(recipient.attempts - 1, len(BACKOFF) - 1)]
            _close(
                recipient.pk,
                state=R.QUEUED,
                error=exc.text[:500],
                next_attempt_at=timezone.now() + timedelta(seconds=delay),
            )
            return "retry"
        _close(recipient.pk, state=R.FAILED, error=exc.text[:500])
        return "failed"
    _close(recipient.pk, state=R.SENT, sent_at=timezone.now(), provider_id=provider_id[:255])
    return "sent"


def _sent_this_minute(now: datetime, **filters: Any) -> int:
    """Sent since the minute began (the job runs once a minute: each run has the whole
    rate, and no clock minute sees more than it; a window sliding from the previous run's
    sends would leave a run that took 5 s only those 5 s of budget the next time)."""
    since = now.replace(second=0, microsecond=0)
    return CampaignRecipient.objects.filter(sent_at__gte=since, **filters).count()


def mark_uncertain(now: datetime | None = None) -> int:
    """Rows a worker claimed and did not mark within ``LEASE`` (it died mid-send): never
    sent again, so nobody gets two copies; shown as uncertain."""
    now = now or timezone.now()
    return CampaignRecipient.objects.filter(state=R.SENDING, claimed_at__lt=now - LEASE).update(
        state=R.UNCERTAIN, error=_("Pengiriman terputus; tidak dikirim ulang.")
    )


def send_due(now: datetime | None = None) -> dict[str, int]:
    """The minute job: every queued campaign whose time has come sends what its rate and
    its channel's allow this minute; a campaign with nothing left is ``done``."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0, "skipped": 0, "retry": 0, "uncertain": mark_uncertain(now)}
    campaigns = list(
        Campaign.objects.filter(status=CampaignStatus.QUEUED, send_at__lte=now)
        .select_related("template")
        .order_by("send_at", "id")
    )
    for campaign in campaigns:
        if not channel_ready(campaign.channel, campaign.template):
            continue
        channel_left = CHANNEL_RATE[CampaignChannel(campaign.channel)] - _sent_this_minute(
            now, channel=campaign.channel
        )
        left = min(
            campaign.rate_per_minute - _sent_this_minute(now, campaign=campaign), channel_left
        )
        sent = counts["sent"]
        if left > 0:
            due = list(
                CampaignRecipient.objects.filter(campaign=campaign, state=R.QUEUED)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .order_by("id")
                .values_list("pk", flat=True)[:left]
            )
            for pk in due:
                outcome = send_one(pk)
                if outcome in counts:
                    counts[outcome] += 1
        if (
            counts["sent"] > sent
            and not CampaignRecipient.objects.filter(campaign=campaign, sent_at__lt=now).exists()
        ):  # the first messages of this campaign went out in this run
            emit("campaign.started", campaign_payload(campaign, sent=counts["sent"] - sent))
        unfinished = CampaignRecipient.objects.filter(
            campaign=campaign, state__in=[R.QUEUED, R.SENDING]
        ).exists()
        if not unfinished:
            finished = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.QUEUED).update(
                status=CampaignStatus.DONE, finished_at=timezone.now()
            )
            if finished:
                campaign.refresh_from_db()
                emit(
                    "campaign.completed", campaign_payload(campaign, **asdict(counts_for(campaign)))
                )
    return counts


# --- what became of it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    total: int
    queued: int
    sent: int
    delivered: int
    read: int
    replied: int
    failed: int
    skipped: int
    uncertain: int


def counts_for(campaign: Campaign) -> Counts:
    """One query: the recipients by state, and how many were delivered, read, answered."""
    done = [R.SENT]
    row = CampaignRecipient.objects.filter(campaign=campaign).aggregate(
        total=Count("id"),
        queued=Count("id", filter=Q(state__in=[R.QUEUED, R.SENDING])),
        sent=Count("id", filter=Q(state__in=done)),
        delivered=Count("id", filter=Q(delivered_at__isnull=False)),
        read=Count("id", filter=Q(read_at__isnull=False)),
        replied=Count("id", filter=Q(replied_at__isnull=False)),
        failed=Count("id", filter=Q(state=R.FAILED)),
        skipped=Count("id", filter=Q(state=R.SKIPPED)),
        uncertain=Count("id", filter=Q(state=R.UNCERTAIN)),
    )
    return Counts(**row)


def apply_status(
    *, provider: str, opaque: str, provider_id: str, status: str, at: datetime
) -> bool:
    """A WhatsApp status for a campaign message (``biz_opaque_callback_data`` is
    ``campaign:<recipient>``): delivered and read times, forward only."""
    if provider != CampaignChannel.WHATSAPP:
        return False
    if not opaque.startswith("campaign:") or not opaque[9:].isdigit():
        return False
    rows = CampaignRecipient.objects.filter(pk=int(opaque[9:]))
    if status in ("delivered", "read"):
        rows.filter(delivered_at__isnull=True).update(delivered_at=at)
    if status == "read":
        rows.filter(read_at__isnull=True).update(read_at=at)
    if status == "failed":
        rows.filter(state=R.SENT).update(state=R.FAILED, error=_("WhatsApp: gagal terkirim"))
    return rows.exists()


def wants_reply(event: hooks.MessageAdded) -> bool:
    return event.kind == MessageKind.INBOUND and event.channel in CampaignChannel.values


def wants_reply_opening(event: hooks.TicketCreated) -> bool:
    return event.by_customer and event.channel in CampaignChannel.values


def on_reply(event: hooks.MessageAdded | hooks.TicketCreated) -> None:
    """A customer's message on a campaign's channel within ``REPLY_WINDOW`` of it: an
    answer to it (counted once; the message itself is filed as any other, on their open
    ticket there or a new one, whose id is kept)."""
    now = timezone.now()
    CampaignRecipient.objects.filter(
        customer_id=Subquery(Ticket.objects.filter(pk=event.ticket_id).values("customer_id")),
        channel=event.channel,
        state=R.SENT,
        sent_at__gte=now - REPLY_WINDOW,
        replied_at__isnull=True,
    ).update(replied_at=now, reply_ticket_id=event.ticket_id)


# --- birthday greetings and tier changes (the loyalty code calls these) --------------------------


def _system_campaign(
    *,
    kind: str,
    key: str,
    name: str,
    purpose: str,
    channel: str,
    customer_ids: list[int],
    body: str,
    subject: str = "",
    template: WhatsAppTemplate | None = None,
    template_params: list[str] | None = None,
    params: dict[int, dict[str, str]] | None = None,
) -> Campaign | None:
    """One queued campaign per ``key``: a second call with the same key makes nothing."""
    if Campaign.objects.filter(key=key).exists() or not customer_ids:
        return None
    with transaction.atomic():
        campaign = campaign_create(
            actor=None,
            name=name,
            purpose=purpose,
            channel=channel,
            segment=Segment(customer_ids=customer_ids),
            template=template,
            template_params=template_params,
            subject=subject,
            body=body,
            kind=kind,
            key=key,
            rate_per_minute=CHANNEL_RATE[CampaignChannel(channel)],
        )
        campaign_queue(campaign=campaign, params=params)
    return campaign


def greet_birthdays(
    *,
    day: date,
    channel: str = CampaignChannel.EMAIL,
    body: str = "",
    subject: str = "",
    template: WhatsAppTemplate | None = None,
    template_params: list[str] | None = None,
) -> Campaign | None:
    """Greet the customers born on ``day`` (month and day) who agreed to marketing: one
    campaign per day, so the daily job running twice greets nobody twice."""
    ids = list(
        Customer.objects.filter(
            birthday__month=day.month,
            birthday__day=day.day,
            merged_into__isnull=True,
            erased_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    return _system_campaign(
        kind=CampaignKind.BIRTHDAY,
        key=f"birthday:{day.isoformat()}:{channel}",
        name=_("Ucapan ulang tahun %(day)s") % {"day": day.isoformat()},
        purpose=Purpose.MARKETING,
        channel=channel,
        customer_ids=ids,
        body=body or _("Selamat ulang tahun, {nama}! Terima kasih telah bersama kami."),
        subject=subject or _("Selamat ulang tahun!"),
        template=template,
        template_params=template_params,
    )


def notify_tier_change(
    *,
    customer: Customer,
    old: str,
    new: str,
    change_key: str,
    channel: str = CampaignChannel.EMAIL,
    template: WhatsAppTemplate | None = None,
) -> Campaign | None:
    """Tell a customer who agreed to service notices that their tier changed (``{tingkat}``
    in the text or a template parameter); ``change_key`` identifies the change (e.g. the
    override's or the recompute's id), so it is told once."""
    label = str(LoyaltyTier(new).label)
    return _system_campaign(
        kind=CampaignKind.TIER_CHANGE,
        key=f"tier:{customer.pk}:{change_key}",
        name=_("Perubahan tingkat %(name)s: %(old)s → %(new)s")
        % {"name": customer.name, "old": old, "new": new},
        purpose=Purpose.SERVICE,
        channel=channel,
        customer_ids=[customer.pk],
        body=_("Halo {nama}, tingkat keanggotaan Anda sekarang {tingkat}."),
        subject=_("Tingkat keanggotaan Anda berubah"),
        template=template,
        template_params=["{nama}", "{tingkat}"] if template is not None else None,
        params={customer.pk: {"tingkat": label}},
    )
