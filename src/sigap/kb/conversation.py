"""The chatbot on the messaging channels: a customer's message on a live chat, WhatsApp
or Telegram ticket that nobody has answered yet goes to ``bot.answer``; its reply leaves
on the ticket's channel like any reply (``tickets.services.bot_reply``: it does not stop
the first-response clock, a person's reply does). At the hand-over the bot writes an
internal note with the reason and falls silent; the ticket, with the whole conversation,
waits in the queue for an agent.

Choices ("which of these articles?") go out as quick replies on WhatsApp (reply buttons
or a list) and Telegram (an inline keyboard): ``channels.quickreply``. The ticket keeps
the bot's text with the choices numbered, which is also what is sent when quick replies
are not possible (more than 10 choices, an id too long); typing the number or the title
still works. A tap comes back as the customer's message (the choice's title) and reaches
the bot as the choice's payload (``channels.messaging``).

Live chat (a connector with ``bot_card``) shows more than text: the bot opens the
conversation with a greeting of its own (no email-style acknowledgement is sent there),
and each reply carries a card: its short text, the article's link ("Baca selengkapnya"),
its choices as quick-reply buttons (an article title, or "Belum terjawab?" after an
answer; a tap sends the label, which the bot recognises) and whether the bot is still in
charge (the widget keeps "Bicara dengan petugas" in view until it hands over). The bot
speaks the language the connector names for the ticket (``language``: the page's).

The bot answers from the articles of the ticket's brand (issue 17: the brand of the
connection the message came in on, or the one the widget was opened for) and the shared
ones; its links open that brand's help centre.

Called after the customer's message is committed (``tickets.services``), so a bot
failure never loses the customer's message; it is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from sigap.accounts import brands
from sigap.connectors import quickreply, registry
from sigap.kb import bot
from sigap.kb.models import BotConversation
from sigap.tickets import services
from sigap.tickets.models import Ticket

log = logging.getLogger(__name__)
REASONS = {  # for the staff: said in the default language (the note is stored)
    bot.REQUESTED: gettext_noop("pelanggan minta bicara dengan petugas"),
    bot.UNSURE: gettext_noop("bot dua kali tidak yakin"),
    bot.NEGATIVE: gettext_noop("pelanggan terdengar kecewa atau marah"),
    bot.SAFETY: gettext_noop("ada sinyal keselamatan"),
    bot.FACT_MISSING: gettext_noop("data yang diperlukan tidak diberikan"),
}


def enabled() -> bool:
    return bool(getattr(settings, "SIGAP_CHATBOT", True))


def on_customer_message(ticket_id: int, text: str) -> bot.BotReply | None:
    if not enabled():
        return None
    try:
        return _turn(ticket_id, text)
    except Exception:  # the customer's message is already stored; a person will answer
        log.exception("chatbot failed on ticket %s", ticket_id)
        return None


@transaction.atomic
def _turn(ticket_id: int, text: str) -> bot.BotReply | None:

    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or not registry.chatbot_answers(ticket.channel) or not ticket.is_open:
        return None
    connector = registry.get(ticket.channel)
    language = connector.language(ticket) if connector and connector.language else ""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _speak(ticket, text, connector)


def _speak(ticket: Ticket, text: str, connector: registry.Connector | None) -> bot.BotReply | None:
    conversation, created = BotConversation.objects.get_or_create(
        ticket=ticket, defaults={"state": bot.new_state()}
    )
    if not conversation.active:
        return None
    if ticket.assignee_id is not None or ticket.first_responded_at is not None:
        conversation.active = False  # a person has it now
        conversation.save(update_fields=["active", "updated_at"])
        return None
    # the ticket's brand (its connection's, the widget's): its own and the shared articles
    reply = bot.answer(conversation.state, text, brand_id=brands.info(ticket.brand_id).id)
    conversation.state = reply.state
    if reply.handover is not None:
        conversation.active = False
        conversation.handover_reason = reply.handover.reason
    conversation.save()
    body = reply.text  # with the choices numbered (``bot.unsure``)
    cards = connector.bot_card if connector is not None else None
    if created and cards is not None:  # live chat: the bot introduces itself first
        words = bot.greeting(ticket.customer.name, brand_id=getattr(ticket, "brand_id", None))
        hello = services.bot_reply(ticket=ticket, body=words)
        cards(hello, {"kind": "greeting", "text": hello.body, "human": True, "choices": []})
        if reply.action == bot.SMALL_TALK:  # "halo" first: the greeting has answered it
            body = ""
    quick = bool(reply.choices) and connector is not None and connector.quick_replies is not None
    if body.strip():
        message = services.bot_reply(ticket=ticket, body=body)
        if quick:  # buttons when the channel can; else ``body`` (numbered) goes out
            choices = [(c.label, c.payload) for c in reply.choices]
            quickreply.attach(message, reply.prompt or reply.text, choices)
        if cards is not None:
            cards(message, card(reply))
    if reply.handover is not None:
        with translation.override(settings.LANGUAGE_CODE):
            reason = _(REASONS.get(reply.handover.reason, reply.handover.reason))
            body = _("%(bot)s menyerahkan percakapan ke petugas: %(why)s.") % {
                "bot": bot.BOT_NAME,
                "why": reason,
            }
        services.message_add(actor=None, ticket=ticket, kind="note", body=body)
    return reply


def card(reply: bot.BotReply) -> dict[str, Any]:
    """What a channel with links and buttons shows for a reply (in the active language):
    ``text`` (short), ``article`` (title and link, an answer only), ``choices`` (each a
    ``label`` and the text a tap ``send``s) and ``human``: the bot still has the chat."""
    out: dict[str, Any] = {
        "kind": reply.action,
        "text": reply.short or reply.text,
        "human": reply.handover is None,
        "choices": [{"label": c.label, "send": c.label} for c in reply.choices],
    }
    if reply.article is not None:
        out["article"] = {
            "title": reply.article.title,
            "url": reply.article.url,
            "more": _("Baca selengkapnya"),
        }
        out["choices"] = [
            # what a tap sends is what the bot understands (``intents``) in that language
            {"label": _("Terima kasih, terjawab"), "send": pgettext("chatbot", "Terima kasih")},
            {"label": _("Belum terjawab?"), "send": pgettext("chatbot", "Belum terjawab")},
        ]
    return out
