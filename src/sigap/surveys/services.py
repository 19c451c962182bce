"""Inviting customers to surveys and recording their answers.

Rules (settings ``SIGAP_SURVEY_*``): a resolved ticket invites its customer once (CSAT,
then CES on the same page); NPS goes to customers served recently, every
``SIGAP_NPS_EVERY_DAYS``; nobody gets any survey more often than
``SIGAP_SURVEY_INTERVAL_DAYS``. Links are signed and expire. The channel: email when the
customer has an address, otherwise a card in the portal for customers with an account.
A resolved WhatsApp or Telegram ticket gets its survey on that channel instead, as quick
replies (``quickreply``: WhatsApp only inside the 24-hour window; otherwise, or when the
API refuses the question for good, email/portal as above, and ``sent_via`` says which).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from sigap.accounts import message_templates
from sigap.automations import engine as automation
from sigap.core import outbox
from sigap.core.errors import ValidationFailed
from sigap.customers.models import ContactKind, Customer
from sigap.surveys import quickreply
from sigap.surveys.models import SentVia, Survey, SurveyKind
from sigap.tickets import events
from sigap.tickets.models import EventKind, Status, Ticket

log = logging.getLogger(__name__)
SALT = "sigap.survey"


def token_for(survey: Survey) -> str:
    return signing.dumps(survey.pk, salt=SALT, compress=True)


class LinkExpired(Exception):
    pass


def survey_for_token(token: str) -> Survey | None:
    """The survey a link points at; ``LinkExpired`` when its time is over."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    survey = Survey.objects.select_related("ticket", "customer").filter(pk=pk).first()
    if survey is not None and survey.expires_at <= timezone.now():
        raise LinkExpired
    return survey


def link(survey: Survey, score: int | None = None) -> str:
    url = settings.SITE_URL.rstrip("/") + reverse("surveys:answer", args=[token_for(survey)])
    return f"{url}?skor={score}" if score is not None else url


def _recently_surveyed(customer_id: int, now: datetime) -> bool:
    since = now - timedelta(days=settings.SIGAP_SURVEY_INTERVAL_DAYS)
    return Survey.objects.filter(customer_id=customer_id, sent_at__gt=since).exists()


def _email_of(customer: Customer) -> str:
    contact = customer.contacts.filter(kind=ContactKind.EMAIL).order_by("-is_primary", "id").first()
    return contact.value if contact else ""


def _route(customer: Customer) -> tuple[str, str] | None:
    email = _email_of(customer)
    if email:
        return SentVia.EMAIL, email
    if customer.user_id:
        return SentVia.PORTAL, ""
    return None


@transaction.atomic
def invite_after_resolution(
    ticket_id: int, *, now: datetime | None = None, closed_too: bool = False
) -> Survey | None:
    """Idempotent: a second call for the same ticket (a retried job, a ticket resolved
    twice) invites nobody again. None when no invitation is due. ``closed_too``: the
    ticket was closed because its problem was solved elsewhere (an incident resolved:
    its tickets close together without a resolution of their own), and it is asked
    about all the same."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    wanted = (Status.RESOLVED, Status.CLOSED) if closed_too else (Status.RESOLVED,)
    if ticket is None or ticket.status not in wanted or not settings.SIGAP_SURVEYS:
        return None
    if Survey.objects.filter(ticket=ticket, kind=SurveyKind.RESOLUTION).exists():
        return None
    if _recently_surveyed(ticket.customer_id, now):
        return None
    via = quickreply.channel_for(ticket)
    route = (via, "") if via is not None else _route(ticket.customer)
    if route is None:
        return None
    survey = _create(SurveyKind.RESOLUTION, ticket.customer, ticket, route[0], now)
    if survey is not None and route[0] == SentVia.EMAIL:
        _mail(survey, route[1])
    elif survey is not None and via is not None:
        # asked by the worker once this commits; the outbox row keeps it until then
        outbox.later(quickreply.ASK_ON_CHANNEL, survey_id=survey.pk)
    return survey


CATCH_UP_AFTER = timedelta(minutes=2)
CATCH_UP_WITHIN = timedelta(minutes=30)
CATCH_UP_BATCH = 200


def catch_up_invitations(now: datetime | None = None) -> int:
    """Invite for the tickets whose invitation job was lost (the process died between the
    resolution's commit and the enqueue): resolved more than ``CATCH_UP_AFTER`` and less
    than ``CATCH_UP_WITHIN`` ago, with no resolution survey. The usual rules still apply
    (once per ticket, the quiet interval). Returns how many it invited."""
    if not settings.SIGAP_SURVEYS:
        return 0
    now = now or timezone.now()
    missed = list(
        Ticket.objects.filter(
            status=Status.RESOLVED,
            resolved_at__gte=now - CATCH_UP_WITHIN,
            resolved_at__lte=now - CATCH_UP_AFTER,
        )
        .exclude(surveys__kind=SurveyKind.RESOLUTION)
        .order_by("id")
        .values_list("pk", flat=True)[:CATCH_UP_BATCH]
    )
    return sum(invite_after_resolution(pk, now=now) is not None for pk in missed)


@transaction.atomic
def fall_back(survey_id: int) -> Survey | None:
    """A channel survey whose question could not be sent: email it, or show it in the
    portal, as for other channels (``sent_via`` changes accordingly). None when the
    customer has neither (the survey stays, unsent)."""
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("customer", "ticket")
        .filter(pk=survey_id, sent_via__in=[SentVia.WHATSAPP, SentVia.TELEGRAM])
        .first()
    )
    if survey is None:
        return None
    route = _route(survey.customer)
    if route is None:
        log.warning("survey %s: not sent on %s and no email/portal", survey.pk, survey.sent_via)
        return None
    Survey.objects.filter(pk=survey.pk).update(sent_via=route[0])
    survey.sent_via = route[0]
    if route[0] == SentVia.EMAIL:
        _mail(survey, route[1])
    return survey


def invite_after_chat(ticket_id: int, *, now: datetime | None = None) -> Survey | None:
    """A live chat that ended: the rating is asked in the chat window itself (one-tap
    buttons carrying the signed link). Same rules: once per ticket, the quiet interval."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None or not settings.SIGAP_SURVEYS:
        return None
    if Survey.objects.filter(ticket=ticket, kind=SurveyKind.RESOLUTION).exists():
        return None
    if _recently_surveyed(ticket.customer_id, now):
        return None
    return _create(SurveyKind.RESOLUTION, ticket.customer, ticket, SentVia.LIVECHAT, now)


def chat_card(survey: Survey) -> dict[str, object]:
    """What the chat widget shows: the question and one link per score (in the customer's
    language when they chose one, else the chat's, the active one)."""
    with translation.override(survey.customer.preferred_language or None):
        question = gettext(
            "Seberapa puas Anda dengan layanan kami? (1 = sangat tidak puas, 5 = sangat puas)"
        )
    return {
        "question": question,
        "choices": [{"score": n, "url": link(survey, n)} for n in range(1, 6)],
    }


def _create(
    kind: str, customer: Customer, ticket: Ticket | None, via: str, now: datetime
) -> Survey | None:
    try:
        with transaction.atomic():
            return Survey.objects.create(
                kind=kind,
                customer=customer,
                ticket=ticket,
                agent_id=ticket.assignee_id if ticket else None,
                team_id=ticket.team_id if ticket else None,
                channel=ticket.channel if ticket else "",
                category=ticket.category if ticket else "",
                tier=customer.loyalty_tier,
                sent_via=via,
                sent_at=now,
                expires_at=now + timedelta(days=settings.SIGAP_SURVEY_EXPIRY_DAYS),
                ces_scale=7 if settings.SIGAP_CES_SCALE == 7 else 5,
            )
    except IntegrityError:  # invited concurrently
        return None


def _mail(survey: Survey, to: str) -> None:
    """The invitation as the settings page's survey templates say it, in the customer's own
    language when they chose one (else the company's), for the ticket's brand (the default
    brand until tickets carry one)."""
    language = survey.customer.preferred_language or settings.LANGUAGE_CODE
    choices = [(n, link(survey, n)) for n in _scale(survey)]
    first = message_templates.first_name(survey.customer.name)
    ticket = survey.ticket
    with translation.override(language):
        greeting = gettext("Halo %(first_name)s,") % {"first_name": first} if first else ""
        greeting = greeting or gettext("Halo,")
        buttons = render_to_string("surveys/email_choices.html", {"choices": choices})
    rendered = message_templates.render_message(
        "survey_resolution" if survey.kind == SurveyKind.RESOLUTION else "survey_nps",
        language=language,
        brand=getattr(ticket, "brand_id", None) if ticket else None,
        context={
            "sapaan": greeting,
            "nama_depan": first,
            "nomor_tiket": ticket.reference if ticket else "",
            "subjek": ticket.subject if ticket else "",
            "pilihan": "\n".join(f"{n}: {url}" for n, url in choices),
            "tautan": link(survey),
        },
        html_context={"pilihan": buttons},
    )
    mail = EmailMultiAlternatives(
        rendered.subject, rendered.body, None, [to], headers={"Auto-Submitted": "auto-generated"}
    )
    html = f'<div style="font-family:sans-serif">{rendered.html}</div>'
    mail.attach_alternative(html, "text/html")
    mail.send()


def _scale(survey: Survey) -> range:
    return range(1, 6) if survey.kind == SurveyKind.RESOLUTION else range(11)


@dataclass(frozen=True)
class NpsRound:
    invited: int
    skipped: int


def invite_nps(*, now: datetime | None = None, limit: int = 500) -> NpsRound:
    """Customers served in the last ``SIGAP_NPS_EVERY_DAYS`` who were not asked for NPS in
    that time (nor for anything within the survey interval) get the NPS question."""
    now = now or timezone.now()
    if not settings.SIGAP_SURVEYS:
        return NpsRound(0, 0)
    period = now - timedelta(days=settings.SIGAP_NPS_EVERY_DAYS)
    quiet = now - timedelta(days=settings.SIGAP_SURVEY_INTERVAL_DAYS)
    served = (
        Ticket.objects.filter(resolved_at__gte=period)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    asked = Survey.objects.filter(kind=SurveyKind.NPS, sent_at__gt=period).values("customer_id")
    busy = Survey.objects.filter(sent_at__gt=quiet).values("customer_id")
    candidates = (
        Customer.objects.filter(pk__in=served)
        .exclude(pk__in=asked)
        .exclude(pk__in=busy)
        .order_by("pk")[:limit]
    )
    invited = skipped = 0
    for customer in candidates:
        route = _route(customer)
        if route is None:
            skipped += 1
            continue
        with transaction.atomic():
            survey = _create(SurveyKind.NPS, customer, None, route[0], now)
            if survey is not None and route[0] == SentVia.EMAIL:
                _mail(survey, route[1])
        invited += survey is not None
    return NpsRound(invited, skipped)


def _check(value: int | None, low: int, high: int, field: str) -> None:
    if value is not None and not low <= value <= high:
        raise ValidationFailed(
            gettext("Nilai harus antara %(low)s dan %(high)s.") % {"low": low, "high": high},
            fields={field: [gettext("Antara %(low)s–%(high)s.") % {"low": low, "high": high}]},
        )


@transaction.atomic
def answer(
    survey: Survey,
    *,
    csat: int | None = None,
    ces: int | None = None,
    nps: int | None = None,
    comment: str | None = None,
) -> Survey:
    """Record (or change) an answer. The first answer goes into the ticket's timeline and
    fires the ``survey_answered`` automations; later changes only update the answer."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.kind == SurveyKind.RESOLUTION:
        _check(csat, 1, 5, "csat")
        _check(ces, 1, survey.ces_scale, "ces")
        nps = None
    else:
        _check(nps, 0, 10, "nps")
        csat = ces = None
    for field, value in (("csat", csat), ("ces", ces), ("nps", nps)):
        if value is not None:
            setattr(survey, field, value)
    if comment is not None:
        survey.comment = comment.strip()[:4000]
    first = survey.answered_at is None
    if first and survey.csat is None and survey.nps is None and survey.ces is None:
        return survey  # nothing answered yet (an empty comment form)
    if first:
        survey.answered_at = timezone.now()
    survey.changed_at = timezone.now()
    survey.save(update_fields=["csat", "ces", "nps", "comment", "answered_at", "changed_at"])
    if first and survey.ticket_id:
        ticket = Ticket.objects.select_related("customer", "team").get(pk=survey.ticket_id)
        score = survey.csat if survey.kind == SurveyKind.RESOLUTION else survey.nps
        events.sla_event(
            ticket,
            EventKind.SURVEY_ANSWERED,
            data={"survey": survey.pk, "kind": survey.kind, "csat": survey.csat},
        )
        if automation.has_rules("survey_answered"):
            automation.fire(
                "survey_answered",
                ticket,
                text=survey.comment,
                facts={"survey_kind": survey.kind, "score": score},
            )
    return survey


def pending_for(customer: Customer, *, now: datetime | None = None) -> list[Survey]:
    """Unanswered, unexpired surveys: the cards on the customer's portal page."""
    now = now or timezone.now()
    return list(
        Survey.objects.filter(customer=customer, answered_at__isnull=True, expires_at__gt=now)
        .select_related("ticket")
        .order_by("-sent_at")[:5]
    )
