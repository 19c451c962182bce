"""A public reply on a live-chat ticket, after it commits (``subscribers``: ``ReplyPosted``).

It is pushed to the visitor's open widgets and to the agent consoles. When nobody is
chatting any more (the chat ended, or it started with no agent online and is still
waiting), it is also mailed to the customer's email, if they gave one.
"""

from __future__ import annotations

from sigap.connectors.livechat import live, selectors
from sigap.connectors.livechat.models import Chat, ChatStatus
from sigap.tickets.models import Message, MessageKind


def deliver(message_id: int) -> None:
    message = Message.objects.select_related("author").filter(pk=message_id).first()
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
        "message": selectors.message_out(message, chat),
    }
    live.send_now([live.visitor_group(chat.pk), live.AGENTS_GROUP], event)
    away = chat.status == ChatStatus.ENDED or (chat.status == ChatStatus.WAITING and chat.offline)
    if away and chat.visitor_email:
        from sigap.connectors.livechat.tasks import email_reply

        email_reply(message.pk)
