"""Reads for live chat: what a visitor or a console sees, as JSON-ready dicts."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from sigap.accounts.models import Role, Team, User
from sigap.accounts.presence import online
from sigap.connectors import proposals
from sigap.connectors.livechat.models import BotCard, Chat, ChatStatus, Identity
from sigap.core.errors import NotFound
from sigap.customers.models import ContactKind, CustomerContact
from sigap.tickets import canned
from sigap.tickets.guidance import when
from sigap.tickets.models import Message, MessageKind, Ticket

PUBLIC_KINDS = (MessageKind.INBOUND, MessageKind.REPLY)
BACKLOG_LIMIT = 1000  # a reconnecting client gets at most this many; it asks again for more


def client_id(message: Message) -> str:
    """The client-generated id a message was sent with (``""`` for other messages)."""
    if message.external_id.startswith("livechat:"):
        return message.external_id.rsplit(":", 1)[1]
    return ""


ATTACHMENT_SALT = "sigap.connectors.livechat.attachment"


def attachment_url(attachment_id: int) -> str:
    """A link to one attachment that needs no sign-in (the visitor has none): signed, so
    it cannot be guessed or altered."""
    key = signing.dumps(attachment_id, salt=ATTACHMENT_SALT, compress=True)
    return reverse("livechat:attachment", args=[key])


def attachment_from_key(key: str) -> int:
    """The attachment id a signed link names; ``NotFound`` for a bad link."""
    try:
        value = signing.loads(key, salt=ATTACHMENT_SALT)
    except signing.BadSignature as exc:
        raise NotFound(_("Lampiran tidak ditemukan.")) from exc
    if not isinstance(value, int):
        raise NotFound(_("Lampiran tidak ditemukan."))
    return value


def message_out(message: Message, chat: Chat, card: dict[str, Any] | None = None) -> dict[str, Any]:
    """``card``: the answer card of an offered proposal the message carries
    (``connectors.proposals.card_for``)."""
    if message.kind == MessageKind.INBOUND:
        sender, name = "visitor", chat.visitor_name
    elif message.author is not None:
        sender, name = "agent", message.author.display_name
    else:
        sender, name = "system", "Asisten Sigap"
    bot: dict[str, Any] | None = None
    if sender == "system" and message.kind == MessageKind.REPLY:
        try:  # select_related by the callers that send many (no query for one missing)
            bot = message.bot_card.data
        except BotCard.DoesNotExist:
            bot = None
    out = {
        "id": message.pk,
        "cid": client_id(message),
        "kind": message.kind,
        "from": sender,
        "name": name,
        "body": message.body,
        "at": message.created_at.isoformat(),
        "attachments": [
            {
                "name": a.filename,
                "size": a.size,
                "type": a.content_type,
                "url": attachment_url(a.pk),
            }
            for a in message.attachments.all()
        ],
    }
    if card is not None:
        out["card"] = card
    if bot is not None:
        out["bot"] = bot
    return out


def messages_after(chat: Chat, after: int, *, staff: bool) -> list[dict[str, Any]]:
    """The chat's messages with an id above ``after``, oldest first; notes for staff only."""
    qs: QuerySet[Message] = Message.objects.filter(ticket_id=chat.ticket_id, pk__gt=after)
    if not staff:
        qs = qs.filter(kind__in=PUBLIC_KINDS)
    rows = qs.select_related("author", "bot_card").prefetch_related("attachments")
    found = list(rows.order_by("pk")[:BACKLOG_LIMIT])
    cards = proposals.card_for([m.pk for m in found if m.kind == MessageKind.REPLY])
    return [message_out(m, chat, cards.get(m.pk)) for m in found]


def offline_notice(chat: Chat) -> str:
    """What a visitor who arrived when no agent was online is told (in the active
    language)."""
    ticket = chat.ticket
    text = _(
        "Saat ini belum ada petugas yang daring. Percakapan ini sudah kami catat sebagai "
        "tiket %(ticket)s. Kami akan membalas paling lambat %(due)s."
    ) % {
        "ticket": ticket.reference,
        "due": when(ticket.first_response_due_at, ticket.customer.time_zone),
    }
    if chat.visitor_email and chat.identity != Identity.CLAIMED:
        text += " " + _("Balasan juga kami kirim ke email %(email)s.") % {
            "email": chat.visitor_email
        }
    elif chat.visitor_email:  # an unproven address gets no mail but the code
        text += " " + _("Verifikasi email %(email)s agar balasan juga kami kirim ke sana.") % {
            "email": chat.visitor_email
        }
    return text


def ticket_language(ticket: Ticket) -> str:
    """The language a live chat's visitor is spoken to in (the connector's ``language``)."""
    found = Chat.objects.filter(ticket_id=ticket.pk).values_list("language", flat=True).first()
    return found or ""


def visitor_state(chat: Chat) -> dict[str, Any]:
    """The visitor's view of the chat (no internal fields), in the chat's language
    (whoever's change announces it)."""
    with translation.override(chat.language or None):
        return _visitor_state(chat)


def _visitor_state(chat: Chat) -> dict[str, Any]:
    return {
        "status": chat.status,
        "ticket": chat.ticket.reference,
        "agent": chat.agent.display_name if chat.agent is not None else "",
        "agent_read": chat.agent_read_id,
        "email": chat.visitor_email,
        "verified": chat.identity != Identity.CLAIMED,
        "notice": offline_notice(chat)
        if chat.offline and chat.status == ChatStatus.WAITING
        else "",
    }


def claim_match(chat: Chat) -> dict[str, Any] | None:
    """The customer who has the address a claimed chat typed (for the agent to link it,
    after checking), or None."""
    if chat.identity != Identity.CLAIMED or not chat.visitor_email:
        return None
    contact = (
        CustomerContact.objects.select_related("customer")
        .filter(kind=ContactKind.EMAIL, value=chat.visitor_email)
        .first()
    )
    if contact is None:
        return None
    return {"id": contact.customer_id, "name": contact.customer.name}


def identity_notice(ticket: Ticket) -> dict[str, Any] | None:
    """For the ticket page (``connector.window_notice``): the chat's address is a claim."""
    chat = Chat.objects.filter(ticket_id=ticket.pk).only("identity", "visitor_email").first()
    if chat is None or chat.identity != Identity.CLAIMED:
        return None
    return {"email": chat.visitor_email}


_UNSET: Any = object()


def claim_matches(chats: list[Chat]) -> dict[str, dict[str, Any]]:
    """``claim_match`` for many chats in one query: by typed address."""
    emails = {c.visitor_email for c in chats if c.identity == Identity.CLAIMED and c.visitor_email}
    if not emails:
        return {}
    out: dict[str, dict[str, Any]] = {}
    contacts = (
        CustomerContact.objects.select_related("customer")
        .filter(kind=ContactKind.EMAIL, value__in=emails)
        .order_by("pk")
    )
    for contact in contacts:
        out.setdefault(contact.value, {"id": contact.customer_id, "name": contact.customer.name})
    return out


def chat_summary(chat: Chat, match: dict[str, Any] | None = _UNSET) -> dict[str, Any]:
    """One chat as an agent console lists it. ``email`` and ``phone`` are what the visitor
    typed; ``verified`` says whether the address was proven (or an agent linked the chat),
    ``identity`` how."""
    return {
        "id": chat.pk,
        "ticket": chat.ticket_id,
        "reference": chat.ticket.reference,
        "subject": chat.ticket.subject,
        "name": chat.visitor_name,
        "email": chat.visitor_email,
        "phone": chat.visitor_phone,
        "identity": chat.identity,
        "verified": chat.identity != Identity.CLAIMED,
        "match": claim_match(chat) if match is _UNSET else match,
        "status": chat.status,
        "agent": chat.agent_id,
        "agent_name": chat.agent.display_name if chat.agent is not None else "",
        "offline": chat.offline,
        "visitor_read": chat.visitor_read_id,
        "created_at": chat.created_at.isoformat(),
        # the queue's waiting time counts from here (the start, or a transfer to a team)
        "queued_at": (chat.queued_at or chat.created_at).isoformat(),
        "team": chat.ticket.team.name if chat.ticket.team is not None else "",
        "team_id": chat.ticket.team_id,
        "language": chat.language,
    }


def may_follow(user: User, agent_id: int | None) -> bool:
    """Whether ``user``'s console shows a chat handled by ``agent_id`` (None: waiting)."""
    if agent_id is None or agent_id == user.pk:
        return True
    return user.role in (Role.ADMIN, Role.SUPERVISOR)


def console_chats(user: User) -> list[dict[str, Any]]:
    """Waiting chats and the user's own (supervisors and admins: every open chat)."""
    open_chats = Chat.objects.exclude(status=ChatStatus.ENDED)
    if user.role not in (Role.ADMIN, Role.SUPERVISOR):
        open_chats = open_chats.filter(Q(agent__isnull=True) | Q(agent_id=user.pk))
    rows = list(open_chats.select_related("ticket__team", "agent").order_by("pk"))
    matches = claim_matches(rows)
    return [
        chat_summary(
            c,
            matches.get(c.visitor_email) if c.identity == Identity.CLAIMED else None,
        )
        for c in rows
    ]


def staff_ids() -> list[int]:
    return list(
        User.objects.filter(
            is_active=True, role__in=[Role.ADMIN, Role.SUPERVISOR, Role.AGENT]
        ).values_list("pk", flat=True)
    )


HISTORY_TICKETS = 5


def side_panel(chat: Chat, agent: User) -> dict[str, Any]:
    """The console's panel beside a chat: who the visitor is (what they typed and whether
    it is proven), the customer's other tickets once the chat is filed under a real
    customer, and the canned responses for the ticket's team, filled for this chat.
    A fixed number of queries."""
    ticket = chat.ticket
    history: list[Ticket] = []
    if chat.identity != Identity.CLAIMED:  # a claim shows no one else's record
        history = list(
            Ticket.objects.filter(customer_id=ticket.customer_id)
            .exclude(pk=ticket.pk)
            .order_by("-created_at")[:HISTORY_TICKETS]
        )
    values = canned.placeholder_values(ticket, agent)
    responses = [
        {"id": c.pk, "title": c.title, "body": canned.fill(c.body, values)}
        for c in canned.active_for(ticket.team_id)
    ]
    return {"chat": chat, "ticket": ticket, "history": history, "canned": responses}


def teams() -> list[dict[str, Any]]:
    """Every team, for a transfer to a team's queue."""
    return [{"id": t.pk, "name": t.name} for t in Team.objects.order_by("name")]


def online_agents(*, exclude: int | None = None) -> list[dict[str, Any]]:
    """Staff online now (``accounts.presence``), for a transfer."""
    ids = online(staff_ids()) - {exclude}
    users = User.objects.filter(pk__in=ids).order_by("first_name", "username")
    return [{"id": u.pk, "name": u.display_name} for u in users]
