"""Surveys on the ticket's own messaging channel: quick replies on WhatsApp and Telegram.

When a ticket whose connector sends direct messages (``registry.Direct``: WhatsApp and
Telegram) is resolved, the CSAT question goes out on that channel instead of by email
(``channel_for`` decides, ``send_invitation`` sends after the commit); one tap answers it,
then the optional CES question follows the same way, then a thank-you. This module says
what to ask; the connector says how its provider shows it and whether it can go now.

* **WhatsApp**: an interactive *list* message (Cloud API ``type: "interactive"``,
  ``interactive.type: "list"``; up to 10 rows, row titles up to 24 characters, ids up to
  200). CSAT has 5 rows, CES 5 or 7. Reply buttons would allow only 3. The tap comes back
  as an ``interactive.list_reply`` message with the row's id. Free-form messages are
  allowed only inside the 24-hour customer-service window. A resolution normally comes
  right after a conversation, so the survey is sent on WhatsApp only when the window is
  open. Otherwise it falls back to email/portal as before, and ``sent_via`` says where it
  really went. A question that the API refuses for good (for example #131047 after the
  window closed while the job waited) also falls back to email/portal.
* **Telegram**: ``sendMessage`` with an inline keyboard (``callback_data`` up to 64
  bytes); the tap is a ``callback_query`` update, answered with ``answerCallbackQuery``.
* **NPS** (0 to 10, 11 options) stays on email/portal. A WhatsApp list cannot hold 11 rows.
  NPS rounds are periodic, not tied to a conversation, so on WhatsApp they would almost
  always fall outside the 24-hour window and need an approved template. If NPS is ever
  sent on WhatsApp, it should be the signed link (``services.link``) inside a template.

Reply ids: ``srv:<survey id>:<step><score>:<mac>`` (step ``c`` = CSAT, ``e`` = CES; mac =
the first 16 hex digits of a salted HMAC-SHA256 of the rest under ``SECRET_KEY``; the
payloads and the signing are ``channels.quickreply``'s, shared with the chatbot). An id
cannot be changed to another survey or score without the key. The tap must also come
from the survey's customer: their WhatsApp/phone contact or Telegram user id, or the
address they wrote to us from on a ticket of theirs. Forged, foreign or expired taps are
logged and change nothing.

The question is sent by a job after the invitation commits; it claims the survey first
(``asked_at``), so a job run twice asks once.

A tap is never filed as a message on the ticket, so it does not re-open the resolved
ticket. Its ``InboundDelivery`` row (``ignored``) makes a redelivered webhook a duplicate,
and a second tap (a new message id) changes the score, as the web page does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.connectors import registry
from sigap.connectors.delivery import SendError
from sigap.connectors.messaging import SURVEY_REPLY_PREFIX
from sigap.connectors.messaging import Tap as Reply
from sigap.connectors.models import InboundDelivery
from sigap.connectors.quickreply import Option, sign, unsign
from sigap.connectors.registry import Direct, Layout
from sigap.core import outbox
from sigap.core.errors import ValidationFailed
from sigap.surveys.models import Survey, SurveyKind
from sigap.tickets.models import Ticket

log = logging.getLogger(__name__)
ASK_ON_CHANNEL = "surveys.ask_on_channel"  # outbox work: the CSAT question on the channel
FOLLOW_UP = "surveys.follow_up"  # after a tap: the CES question, the thanks
MAC_SALT = "sigap.survey.quickreply"
CSAT = "c"
CES = "e"
# said in the customer's language (``_ask`` and ``follow_up`` switch to it)
CSAT_LABELS = {
    1: gettext_lazy("Sangat tidak puas"),
    2: gettext_lazy("Kurang puas"),
    3: gettext_lazy("Biasa saja"),
    4: gettext_lazy("Puas"),
    5: gettext_lazy("Sangat puas"),
}
CES_LABELS_5 = {
    1: gettext_lazy("Sangat sulit"),
    2: gettext_lazy("Sulit"),
    3: gettext_lazy("Biasa saja"),
    4: gettext_lazy("Mudah"),
    5: gettext_lazy("Sangat mudah"),
}
CES_LABELS_7 = {
    1: gettext_lazy("Sangat sulit"),
    4: gettext_lazy("Biasa saja"),
    7: gettext_lazy("Sangat mudah"),
}
THANKS = gettext_lazy(
    "Terima kasih atas penilaian Anda! Masukan Anda membantu kami melayani dengan lebih baik."
)
CLOSED = gettext_lazy("Maaf, survei ini sudah ditutup. Terima kasih atas perhatian Anda.")
REFUSED = gettext_lazy("Pilihan ini tidak berlaku.")


# --- reply ids ------------------------------------------------------------------------------


def reply_id(survey_id: int, step: str, score: int) -> str:
    """The signed id of one choice: ``srv:<survey>:<step><score>:<mac>``."""
    return sign(f"{SURVEY_REPLY_PREFIX}{survey_id}:{step}{score}", MAC_SALT)


@dataclass(frozen=True)
class Tap:
    survey_id: int
    step: str
    score: int


def parse_reply_id(data: str) -> Tap | None:
    """The choice an id stands for; None when it is malformed or its mac is wrong."""
    value = unsign(data, MAC_SALT)
    bits = value.split(":") if value is not None else []
    if len(bits) != 3 or f"{bits[0]}:" != SURVEY_REPLY_PREFIX:
        return None
    _, survey_id, choice = bits
    if not survey_id.isdigit() or choice[:1] not in (CSAT, CES) or not choice[1:].isdigit():
        return None
    return Tap(int(survey_id), choice[0], int(choice[1:]))


# --- routing and sending --------------------------------------------------------------------


def _direct(channel: str) -> Direct | None:
    connector = registry.get(channel)
    return connector.direct if connector is not None else None


def channel_for(ticket: Ticket) -> str | None:
    """The ticket's channel when the resolution survey can go out on it now (its connector
    sends direct messages: WhatsApp, Telegram); None otherwise (with a log line saying why,
    for those channels)."""
    direct = _direct(ticket.channel)
    if direct is None or not direct.surveys:
        return None
    why = direct.unavailable(ticket)
    if not why:
        return ticket.channel
    log.info("survey of ticket %s not sent on %s: %s", ticket.pk, ticket.channel, why)
    return None


def _options(survey: Survey, step: str) -> list[tuple[int, str]]:
    """The scale, lowest first: (score, title)."""
    if step == CSAT:
        return [(n, f"{n} – {label}") for n, label in sorted(CSAT_LABELS.items())]
    labels = CES_LABELS_7 if survey.ces_scale == 7 else CES_LABELS_5
    return [
        (n, f"{n} – {labels[n]}" if n in labels else str(n)) for n in range(1, survey.ces_scale + 1)
    ]


def _question(survey: Survey, step: str) -> str:
    if step == CSAT:
        assert survey.ticket is not None
        first = survey.customer.first_name
        about = {"first": first, "ref": survey.ticket.reference}
        if first:
            return (
                _(
                    "Halo %(first)s, tiket %(ref)s sudah kami selesaikan. Seberapa puas Anda "
                    "dengan penanganannya? (1 = sangat tidak puas, 5 = sangat puas)"
                )
                % about
            )
        return (
            _(
                "Tiket %(ref)s sudah kami selesaikan. Seberapa puas Anda dengan penanganannya? "
                "(1 = sangat tidak puas, 5 = sangat puas)"
            )
            % about
        )
    return _(
        "Terima kasih, nilai Anda (%(score)s) sudah kami catat. Satu pertanyaan lagi (boleh "
        "dilewati): seberapa mudah urusan Anda diselesaikan? (1 = sangat sulit, %(top)s = "
        "sangat mudah)"
    ) % {"score": survey.csat, "top": survey.ces_scale}


def _choices(survey: Survey, step: str) -> list[Option]:
    return [
        Option(reply_id(survey.pk, step, n), title, short=str(n))
        for n, title in _options(survey, step)
    ]


def _ask(channel: str, survey: Survey, step: str, address: str) -> str:
    with translation.override(survey.customer.language):
        return _ask_now(channel, survey, step, address)


def _ask_now(channel: str, survey: Survey, step: str, address: str) -> str:
    direct = _direct(channel)
    if direct is None:
        raise SendError(
            _("Kanal %(channel)s tidak mengirim pesan langsung.") % {"channel": channel},
            retryable=False,
        )
    layout = Layout(
        button=_("Pilih nilai"),
        section=_("Kepuasan") if step == CSAT else _("Kemudahan"),
        footer=settings.SIGAP_BUSINESS_NAME,
        scale=True,
    )
    return direct.ask(address, _question(survey, step), _choices(survey, step), layout)


def _say(channel: str, address: str, text: str) -> None:
    direct = _direct(channel)
    if direct is not None:
        direct.say(address, text)


def _address(survey: Survey) -> str:
    assert survey.ticket is not None
    direct = _direct(survey.sent_via)
    return direct.address(survey.ticket) if direct is not None else ""


def send_invitation(survey_id: int) -> str:
    """Send the CSAT question of a survey routed to WhatsApp/Telegram (the job after the
    commit): ``sent``, ``skipped`` (answered, gone, not a channel survey) or
    ``fallback`` (refused for good: sent by email/portal instead). A retryable error
    raises, so the job retries."""
    survey = Survey.objects.select_related("ticket", "customer").filter(pk=survey_id).first()
    if survey is None or survey.ticket is None or survey.answered:
        return "skipped"
    if _direct(survey.sent_via) is None:  # email, portal, live chat: not sent from here
        return "skipped"
    claimed = Survey.objects.filter(pk=survey.pk, asked_at__isnull=True).update(
        asked_at=timezone.now()
    )
    if not claimed:
        return "skipped"  # asked already (a job run twice)
    try:
        address = _address(survey)
        if not address:
            raise SendError(_("alamat pelanggan tidak dikenal"), retryable=False)
        _ask(survey.sent_via, survey, CSAT, address)
    except SendError as exc:
        if exc.retryable:
            Survey.objects.filter(pk=survey.pk).update(asked_at=None)
            raise
        from sigap.surveys.services import fall_back

        log.warning("survey %s not sent on %s: %s", survey.pk, survey.sent_via, exc.text)
        fall_back(survey.pk)
        return "fallback"
    return "sent"


# --- taps -----------------------------------------------------------------------------------


def _belongs(survey: Survey, reply: Reply) -> bool:
    """Is the person who tapped the survey's customer?"""
    direct = _direct(reply.provider)
    kinds = direct.contact_kinds if direct is not None else ()
    if survey.customer.contacts.filter(kind__in=kinds, value=reply.contact_value).exists():
        return True
    return InboundDelivery.objects.filter(
        provider=reply.provider,
        sender=reply.sender,
        message__ticket__customer_id=survey.customer_id,
    ).exists()


def record_tap(reply: Reply) -> str:
    """Record a tapped answer (called by ``channels.messaging`` in the transaction that
    stores the tap once). Returns ``answered``, ``refused`` or ``expired``. The next
    question, the thanks and the Telegram callback answer are sent after the commit."""
    tap = parse_reply_id(reply.data)
    survey = (
        Survey.objects.select_related("customer").filter(pk=tap.survey_id).first()
        if tap is not None
        else None
    )
    outcome = "refused"
    follow_up = ""
    if tap is None or survey is None:
        log.warning(
            "survey reply refused: bad or unknown id %r from %s %s",
            reply.data[:100],
            reply.provider,
            reply.sender,
        )
    elif survey.kind != SurveyKind.RESOLUTION or (tap.step == CES and survey.csat is None):
        log.warning("survey reply refused: %r does not fit survey %s", reply.data, survey.pk)
    elif not _belongs(survey, reply):
        log.warning(
            "survey reply refused: %s %s is not the customer of survey %s",
            reply.provider,
            reply.sender,
            survey.pk,
        )
    elif survey.expires_at <= timezone.now():
        log.info("survey reply to expired survey %s from %s", survey.pk, reply.sender)
        outcome, follow_up = "expired", "closed"
    else:
        outcome, follow_up = _answer(survey, tap)
    if follow_up or reply.callback_id:  # sent by the worker once the tap is stored
        outbox.later(
            FOLLOW_UP,
            provider=reply.provider,
            address=reply.address,
            callback_id=reply.callback_id,
            survey_id=survey.pk if survey is not None else 0,
            what=follow_up or "refused",
        )
    return outcome


def _answer(survey: Survey, tap: Tap) -> tuple[str, str]:
    from sigap.surveys.services import answer

    had_csat = survey.csat is not None
    try:
        if tap.step == CSAT:
            answer(survey, csat=tap.score)
            return "answered", "changed" if had_csat else "ces"
        answer(survey, ces=tap.score)
    except ValidationFailed as exc:  # a score the survey's scale does not have
        log.warning("survey reply refused for survey %s: %s", survey.pk, exc.message)
        return "refused", ""
    return "answered", "thanks"


def follow_up(provider: str, address: str, callback_id: str, survey_id: int, what: str) -> None:
    """After a tap: ``ces`` (ask the CES question), ``changed`` (the score was changed),
    ``thanks``, ``closed`` (expired) or ``refused``; on Telegram the callback query is
    answered first."""
    survey = Survey.objects.select_related("customer").filter(pk=survey_id).first()
    with translation.override(survey.customer.language if survey is not None else None):
        _follow_up(provider, address, callback_id, survey_id, survey, what)


def _follow_up(
    provider: str, address: str, callback_id: str, survey_id: int, survey: Survey | None, what: str
) -> None:
    texts = {
        "changed": _("Nilai Anda sudah kami ubah menjadi %(score)s. Terima kasih!")
        % {"score": survey.csat}
        if survey is not None
        else str(THANKS),
        "thanks": str(THANKS),
        "closed": str(CLOSED),
        "refused": str(REFUSED),
        "ces": _("Terima kasih, nilai Anda sudah kami catat."),
    }
    direct = _direct(provider)
    if callback_id and direct is not None and direct.acknowledge is not None:
        try:  # the button's spinner: worth nothing once the provider gave up waiting
            direct.acknowledge(callback_id, texts[what])
        except SendError as exc:
            log.info("tap %s of survey %s not acknowledged: %s", callback_id, survey_id, exc.text)
    if what == "ces" and survey is not None:
        _ask(provider, survey, CES, address)  # the way the customer answered
    elif what in ("changed", "thanks", "closed") and not callback_id:
        _say(provider, address, texts[what])
    elif what == "thanks":
        _say(provider, address, str(THANKS))
