"""Every write of live chat. Consumers and views call these only.

A chat is a ticket (channel ``livechat``) created when the visitor starts it; every chat
message is a ticket ``Message`` written through ``tickets.services.message_add`` (inbound
for the visitor, reply or note for the agent), so the transcript is the ticket's timeline.
Messages sent with a client id are stored once (``external_id`` per channel), so a client
may resend until it gets its acknowledgement.

Public replies reach the visitor through ``channels.outbound.deliver`` ->
``livechat.delivery``, whichever page wrote them (the console or the ticket page).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from sigap.accounts.access import require_staff
from sigap.accounts.models import Role, User
from sigap.accounts.presence import online
from sigap.connectors.livechat import live, selectors
from sigap.connectors.livechat.models import Chat, ChatStatus
from sigap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sigap.customers.models import ContactKind, Customer
from sigap.customers.services import ContactIn, customer_create, customer_find_by_contact
from sigap.tickets import hooks
from sigap.tickets import services as tickets
from sigap.tickets.access import access_ticket
from sigap.tickets.attachments import Upload
from sigap.tickets.models import Channel, Kind, Message, MessageKind

TOKEN_SALT = "sigap.connectors.livechat.visitor"
TOKEN_MAX_AGE = 30 * 24 * 3600  # a reload within a month resumes the conversation
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_BODY = 4000
SUBJECT_CHARS = 80


# --- the visitor's token ------------------------------------------------------------------


def token_for(chat: Chat) -> str:
    return signing.dumps({"c": chat.pk}, salt=TOKEN_SALT, compress=True)


def chat_from_token(token: str) -> Chat:
    """The chat a visitor's token opens; ``NotFound`` for a bad, foreign or old token."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise NotFound("Percakapan tidak ditemukan.") from exc
    chat_id = data.get("c") if isinstance(data, dict) else None
    if not isinstance(chat_id, int):
        raise NotFound("Percakapan tidak ditemukan.")
    chat = Chat.objects.select_related("ticket__customer", "agent").filter(pk=chat_id).first()
    if chat is None:
        raise NotFound("Percakapan tidak ditemukan.")
    return chat


def chat_from_pk(chat_id: int) -> Chat:
    return Chat.objects.select_related("ticket__customer", "agent").get(pk=chat_id)


# --- helpers ------------------------------------------------------------------------------


def _check_cid(cid: str) -> None:
    if not CLIENT_ID.match(cid):
        raise ValidationFailed("Id pesan dari klien tidak sah.", fields={"cid": ["Tidak sah."]})


def _check_body(body: str, *, uploads: Sequence[Upload] = ()) -> str:
    body = body.strip()
    if not body and not uploads:
        raise ValidationFailed("Pesan kosong.", fields={"body": ["Wajib diisi."]})
    if len(body) > MAX_BODY:
        raise ValidationFailed(
            f"Pesan terlalu panjang (paling banyak {MAX_BODY} karakter).",
            fields={"body": ["Terlalu panjang."]},
        )
    return body


def _external_id(chat: Chat, side: str, cid: str) -> str:
    return f"livechat:{chat.pk}:{side}:{cid}"


def _lock(chat: Chat) -> Chat:
    # ``of``: PostgreSQL refuses FOR UPDATE on the nullable side of the joins (agent).
    return (
        Chat.objects.select_for_update(of=("self",))
        .select_related("ticket__customer", "agent")
        .get(pk=chat.pk)
    )


def _announce(chat: Chat, *, visitor: bool = True) -> None:
    """After commit: the chat's new state to the consoles and (``visitor``) the widget."""
    live.send_on_commit(
        [live.AGENTS_GROUP],
        {"type": "lc.chat", "chat": selectors.chat_summary(chat), "agent": chat.agent_id},
    )
    if visitor:
        live.send_on_commit(
            [live.visitor_group(chat.pk)],
            {"type": "lc.state", "state": selectors.visitor_state(chat)},
        )


def _customer_for(name: str, email: str, phone: str) -> Customer:
    """The customer with this email (else phone); a new one when there is none."""
    if email:
        found = customer_find_by_contact(ContactKind.EMAIL, email)
        if found is not None:
            return found
    if phone:
        found = customer_find_by_contact(ContactKind.PHONE, phone)
        if found is not None:
            return found
    contacts = []
    if email:
        contacts.append(ContactIn(ContactKind.EMAIL, email, is_primary=True))
    if phone:
        contacts.append(ContactIn(ContactKind.PHONE, phone, is_primary=not email))
    return customer_create(name=name, contacts=contacts)


def _check_start(name: str, email: str, phone: str) -> None:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Nama wajib diisi."]
    if not email and not phone:
        errors["email"] = ["Isi email atau nomor telepon."]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = ["Alamat email tidak sah."]
    if errors:
        raise ValidationFailed("Data belum lengkap.", fields=errors)


# --- the visitor --------------------------------------------------------------------------


def chat_start(*, name: str, email: str, phone: str, body: str, cid: str) -> Chat:
    """Start a chat: find or create the customer, open the ticket with the first message.

    Starting again with the same ``cid`` returns the same chat (a retried start)."""
    name, email, phone = name.strip()[:120], email.strip().lower(), phone.strip()
    _check_cid(cid)
    _check_start(name, email, phone)
    body = _check_body(body)
    external_id = f"livechat:start:{cid}"
    try:
        return _chat_start(name, email, phone, body, external_id)
    except IntegrityError:  # the same start, concurrently: the other one won
        existing = Message.objects.filter(channel=Channel.LIVECHAT, external_id=external_id)
        first = existing.first()
        if first is None:
            raise
        return Chat.objects.select_related("ticket__customer", "agent").get(
            ticket_id=first.ticket_id
        )


@transaction.atomic
def _chat_start(name: str, email: str, phone: str, body: str, external_id: str) -> Chat:
    existing = (
        Message.objects.filter(channel=Channel.LIVECHAT, external_id=external_id)
        .values_list("ticket_id", flat=True)
        .first()
    )
    if existing is not None:
        return Chat.objects.select_related("ticket__customer", "agent").get(ticket_id=existing)
    customer = _customer_for(name, email, phone)
    first_line = body.splitlines()[0]
    subject = first_line if len(first_line) <= SUBJECT_CHARS else first_line[:SUBJECT_CHARS] + "…"
    ticket = tickets.ticket_create(
        actor=None,
        customer=customer,
        kind=Kind.INQUIRY,
        channel=Channel.LIVECHAT,
        subject=f"Live chat: {subject}",
        description=body,
        external_id=external_id,
    )
    chat = Chat.objects.create(
        ticket=ticket,
        visitor_name=name,
        visitor_email=email,
        visitor_phone=phone,
        offline=not online(selectors.staff_ids()),
        created_at=ticket.created_at,
    )
    _announce(chat, visitor=False)
    return chat


def chat_visitor_message(
    *, chat: Chat, cid: str, body: str, uploads: Sequence[Upload] = ()
) -> Message:
    """The visitor's message (with ``uploads``: files): stored once per ``cid``; pushed to
    both sides on commit; the chatbot answers after the commit."""
    return _visitor_message(chat, cid, body, uploads, answer=True)[0]


def chat_visitor_message_acked_first(
    *, chat: Chat, cid: str, body: str
) -> tuple[Message, Callable[[], object] | None]:
    """The same, for the websocket, which acknowledges the message before the chatbot
    answers: returns the message and the chatbot's turn to run after the ack (None when
    there is none, e.g. a resent message already answered)."""
    return _visitor_message(chat, cid, body, (), answer=False)


def _visitor_message(
    chat: Chat, cid: str, body: str, uploads: Sequence[Upload], *, answer: bool
) -> tuple[Message, Callable[[], object] | None]:
    _check_cid(cid)
    body = _check_body(body, uploads=uploads)
    external_id = _external_id(chat, "v", cid)
    existing = Message.objects.filter(channel=Channel.LIVECHAT, external_id=external_id).first()
    if existing is not None:
        return existing, None
    with transaction.atomic():
        chat = _lock(chat)
        if chat.status == ChatStatus.ENDED:
            raise Conflict("Percakapan ini sudah berakhir. Silakan mulai percakapan baru.")
        # Queued before ``message_add`` queues its own after-commit work (the chatbot's
        # answer above all): the message reaches both sides first, without waiting for
        # the answer, and the widget shows the question before the answer.
        push = live.reserve_on_commit([live.visitor_group(chat.pk), live.AGENTS_GROUP])
        message = tickets.message_add(
            actor=None,
            ticket=chat.ticket,
            kind=MessageKind.INBOUND,
            body=body,
            channel=Channel.LIVECHAT,
            external_id=external_id,
            uploads=uploads,
            chatbot=answer,
        )
        push(
            {
                "type": "lc.message",
                "chat": chat.pk,
                "agent": chat.agent_id,
                "message": selectors.message_out(message, chat),
            }
        )
    if answer or not body:
        return message, None
    ticket_id = chat.ticket_id
    return message, lambda: _answer(ticket_id, body)


def _answer(ticket_id: int, body: str) -> None:
    """The automatic responders' turn (the chatbot), after the visitor has their ack."""
    hooks.react_now(hooks.CustomerWrote(ticket_id=ticket_id, channel=Channel.LIVECHAT, text=body))


def chat_read(*, chat: Chat, by_visitor: bool, up_to: int) -> None:
    """Read receipts only move forward; the other side learns of it."""
    field = "visitor_read_id" if by_visitor else "agent_read_id"
    updated = Chat.objects.filter(pk=chat.pk, **{f"{field}__lt": up_to}).update(**{field: up_to})
    if not updated:
        return
    event = {"type": "lc.read", "chat": chat.pk, "agent": chat.agent_id, "up_to": up_to}
    if by_visitor:
        live.send_now([live.AGENTS_GROUP], {**event, "by": "visitor"})
    else:
        live.send_now([live.visitor_group(chat.pk)], {**event, "by": "agent"})


@transaction.atomic
def chat_end(*, chat: Chat, actor: User | None) -> Chat:
    """End the conversation (the visitor, or the agent handling it); the ticket stays open
    and follows its usual flow."""
    chat = _lock(chat)
    if actor is not None:
        _check_handler(actor, chat)
    if chat.status == ChatStatus.ENDED:
        return chat
    chat.status = ChatStatus.ENDED
    chat.ended_at = timezone.now()
    chat.save(update_fields=["status", "ended_at"])
    _announce(chat)
    cards = hooks.publish(
        hooks.ConversationEnded(ticket_id=chat.ticket_id, channel=Channel.LIVECHAT)
    )
    for card in cards:  # the rating card, in the visitor's window
        transaction.on_commit(
            partial(
                live.send_now, [live.visitor_group(chat.pk)], {"type": "lc.survey", "survey": card}
            )
        )
    return chat


# --- the agent ----------------------------------------------------------------------------


def _check_handler(actor: User, chat: Chat) -> None:
    """The agent handling the chat, or a supervisor/admin, may act on it."""
    require_staff(actor)
    access_ticket(actor, chat.ticket_id)
    if chat.agent_id == actor.pk:
        return
    if actor.role in (Role.ADMIN, Role.SUPERVISOR):
        return
    raise PermissionDenied("Percakapan ini ditangani petugas lain.")


def chat_for_staff(actor: User, chat_id: int) -> Chat:
    """A chat whose ticket ``actor`` may see; ``NotFound`` otherwise."""
    require_staff(actor)
    chat = Chat.objects.select_related("ticket__customer", "agent").filter(pk=chat_id).first()
    if chat is None:
        raise NotFound("Percakapan tidak ditemukan.")
    access_ticket(actor, chat.ticket_id)
    return chat


def staff_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.is_agent_or_above:
        raise NotFound("Petugas tidak ditemukan.")
    return user


def _assign(actor: User, chat: Chat, to: User, reason: str) -> None:
    ticket = chat.ticket
    if ticket.assignee_id != to.pk:
        chat.ticket = tickets.ticket_update(
            actor=actor,
            ticket=ticket,
            version=ticket.version,
            changes={"assignee": to},
            reason=reason,
        )


@transaction.atomic
def chat_pickup(*, actor: User, chat: Chat) -> Chat:
    """Take a waiting chat: it becomes the actor's, and so does its ticket."""
    require_staff(actor)
    chat = _lock(chat)
    access_ticket(actor, chat.ticket_id)
    if chat.status != ChatStatus.WAITING:
        who = chat.agent.display_name if chat.agent is not None else "petugas lain"
        raise Conflict(f"Percakapan ini sudah diambil oleh {who}.")
    _assign(actor, chat, actor, "Diambil dari antrean live chat.")
    chat.status = ChatStatus.ACTIVE
    chat.agent = actor
    chat.save(update_fields=["status", "agent"])
    _announce(chat)
    return chat


@transaction.atomic
def chat_transfer(*, actor: User, chat: Chat, to: User) -> Chat:
    """Hand an active chat (and its ticket) to another agent who is online now."""
    chat = _lock(chat)
    _check_handler(actor, chat)
    if chat.status != ChatStatus.ACTIVE:
        raise Conflict("Hanya percakapan yang sedang dilayani yang dapat dialihkan.")
    if not to.is_active or not to.is_agent_or_above or to.pk == chat.agent_id:
        raise ValidationFailed("Pilih petugas lain.", fields={"to": ["Bukan petugas lain."]})
    if to.pk not in online([to.pk]):
        raise ValidationFailed(
            f"{to.display_name} sedang tidak daring.", fields={"to": ["Tidak daring."]}
        )
    _assign(actor, chat, to, f"Live chat dialihkan oleh {actor.display_name}.")
    chat.agent = to
    chat.save(update_fields=["agent"])
    _announce(chat)
    return chat


def chat_agent_message(
    *,
    actor: User,
    chat: Chat,
    cid: str,
    body: str,
    note: bool,
    uploads: Sequence[Upload] = (),
) -> Message:
    """A reply (to the visitor) or an internal note (staff only), stored once per ``cid``.

    The reply reaches the widget through ``delivery`` like any reply on the ticket."""
    _check_cid(cid)
    body = _check_body(body, uploads=uploads)
    external_id = _external_id(chat, "a", cid)
    existing = Message.objects.filter(channel=Channel.LIVECHAT, external_id=external_id).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        chat = _lock(chat)
        _check_handler(actor, chat)
        if not note and chat.status == ChatStatus.ENDED:
            raise Conflict("Percakapan sudah berakhir; balas lewat halaman tiket.")
        message = tickets.message_add(
            actor=actor,
            ticket=chat.ticket,
            kind=MessageKind.NOTE if note else MessageKind.REPLY,
            body=body,
            channel=Channel.LIVECHAT,
            external_id=external_id,
            uploads=uploads,
        )
        if note:
            event: dict[str, Any] = {
                "type": "lc.message",
                "chat": chat.pk,
                "agent": chat.agent_id,
                "message": selectors.message_out(message, chat),
            }
            live.send_on_commit([live.AGENTS_GROUP], event)
    return message
