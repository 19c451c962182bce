"""A public reply on a live-chat ticket, after it commits (``subscribers``: ``ReplyPosted``).

It is pushed to the visitor's open widgets and to the agent consoles. When nobody is
chatting any more (the chat ended, or it started with no agent online and is still
waiting), it is also mailed to the customer's email, once the chat is filed under a real
customer (the address proven with a code, or an agent linked it; an address only typed
in the widget gets no reply by mail): ``record`` writes
the mail's delivery row in the reply's own transaction (``ReplyPosted``, inside), and the
shared send loop mails it (lease, retries, the sweep; exactly once), as for an email
ticket's reply.
"""

from __future__ import annotations

from sigap.connectors import delivery, proposals
from sigap.connectors.livechat import live, selectors
from sigap.connectors.livechat.models import Chat, ChatStatus, Identity
from sigap.tickets.models import Channel, Message, MessageKind


def _away(chat: Chat) -> bool:
    return chat.status == ChatStatus.ENDED or (chat.status == ChatStatus.WAITING and chat.offline)


def record(message_id: int) -> None:
    """In the reply's transaction: when the visitor is gone and gave an email, the row
    that mails the reply."""
    message = (
        Message.objects.select_related("ticket__customer", "author").filter(pk=message_id).first()
    )
    if message is None or message.kind != MessageKind.REPLY:
        return
    chat = Chat.objects.filter(ticket_id=message.ticket_id).first()
    if chat is None or chat.identity == Identity.CLAIMED:
        return
    if _away(chat) and chat.visitor_email:
        delivery.create_for(message, provider=Channel.EMAIL)


def deliver(message_id: int) -> None:
    message = Message.objects.select_related("author", "bot_card").filter(pk=message_id).first()
    if message is None or message.kind != MessageKind.REPLY:
        return
    chat = (
        Chat.objects.select_related("ticket__customer", "agent")
        .filter(ticket_id=message.ticket_id)
        .first()
    )
    if chat is None:
        return
    event = {
        "type": "lc.message",
        "chat": chat.pk,
        "agent": chat.agent_id,
        # an offered proposal: its answer card under the message
        "message": selectors.message_out(
            message, chat, proposals.card_for([message.pk]).get(message.pk)
        ),
    }
    live.send_now([live.visitor_group(chat.pk), live.AGENTS_GROUP], event)
    delivery.enqueue(message.pk)  # the mail ``record`` wrote a row for, if any
