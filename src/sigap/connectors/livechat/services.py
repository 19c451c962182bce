"""Every write of live chat. Consumers and views call these only.

A chat is a ticket (channel ``livechat``) created when the visitor starts it; every chat
message is a ticket ``Message`` written through ``tickets.services.message_add`` (inbound
for the visitor, reply or note for the agent), so the transcript is the ticket's timeline.
Messages sent with a client id are stored once (``external_id`` per channel), so a client
may resend until it gets its acknowledgement.

Public replies reach the visitor through ``channels.outbound.deliver`` ->
``livechat.delivery``, whichever page wrote them (the console or the ticket page).

Identity (security finding 4). What the visitor types is a claim: anyone can type anyone's
email. So a chat never looks its customer up by the typed email or phone. It starts on a
provisional customer of its own, named as typed and with no contacts
(``Chat.provisional_customer``; the claim stays on the chat, ``identity`` = claimed), so
the agent sees no one else's record or history and no one else's portal shows the chat.
The chat is filed under a real customer in one of two ways, each recorded in the ticket's
timeline by ``tickets.services.ticket_change_customer`` (the provisional customer is then
merged into it, ``customers.services.customer_merge``, so no duplicate is left):

* **verified**: the visitor asks for a one-time code (``chat_code_send``): six digits,
  mailed to the typed address only, valid ``CODE_TTL``, kept as a keyed hash, at most
  ``CODE_TRIES`` wrong tries per code; the mail carries nothing the visitor typed (not
  even the name). The interface limits the mail per address and per client
  (``accounts.limits.mail_allowed``). The right code (``chat_code_check``) files the
  chat under the customer with that address, or gives the provisional customer the
  address when nobody has it.
* **linked**: the agent handling the chat (or a supervisor) links it to a customer they
  chose (``chat_link_customer``), having checked who the visitor is some other way.

Replies are mailed to a visitor who left only once the chat is verified or linked
(``delivery``): an unproven address gets no mail but the code.

The resume credential is bound to the browser. The widget's socket carries an HttpOnly
cookie (``BROWSER_COOKIE``, minted by the consumer on connect when missing); the chat keeps
the SHA-256 of its secret from the start, and ``chat_from_token`` opens a chat only for the
token *and* that cookie. The signed token (in the page's storage) names the chat; alone,
leaked or copied, it opens nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import brands, message_templates
from sigap.accounts.access import require_staff
from sigap.accounts.models import Role, Team, User
from sigap.accounts.presence import online
from sigap.accounts.system import system_user
from sigap.connectors.livechat import live, selectors
from sigap.connectors.livechat.models import BotCard, Chat, ChatStatus, Identity
from sigap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.customers.models import ContactKind, Customer
from sigap.customers.services import (
    ContactIn,
    customer_create,
    customer_find_by_contact,
    customer_merge,
    customer_update,
)
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
BROWSER_COOKIE = "sigap_chat"
BROWSER_KEY = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
CODE_SALT = "sigap.connectors.livechat.code"
CODE_TTL = timedelta(minutes=10)
CODE_TRIES = 5

log = logging.getLogger(__name__)


# --- the visitor's token and browser ------------------------------------------------------


def token_for(chat: Chat) -> str:
    return signing.dumps({"c": chat.pk}, salt=TOKEN_SALT, compress=True)


def browser_key_new() -> str:
    """A new secret for a browser's ``BROWSER_COOKIE``."""
    return secrets.token_urlsafe(32)


def browser_key_valid(key: str) -> bool:
    return bool(BROWSER_KEY.match(key))


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _same_browser(chat: Chat, browser_key: str) -> bool:
    if not chat.browser_key_hash or not browser_key_valid(browser_key):
        return False
    return constant_time_compare(chat.browser_key_hash, _key_hash(browser_key))


def chat_from_token(token: str, browser_key: str) -> Chat:
    """The chat a visitor's token opens in the browser whose cookie secret is
    ``browser_key``; ``NotFound`` for a bad, foreign or old token, or another browser."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise NotFound(_("Percakapan tidak ditemukan.")) from exc
    chat_id = data.get("c") if isinstance(data, dict) else None
    if not isinstance(chat_id, int):
        raise NotFound(_("Percakapan tidak ditemukan."))
    chat = Chat.objects.select_related("ticket__customer", "agent").filter(pk=chat_id).first()
    if chat is None or not _same_browser(chat, browser_key):
        raise NotFound(_("Percakapan tidak ditemukan."))
    return chat


def chat_from_pk(chat_id: int) -> Chat:
    return Chat.objects.select_related("ticket__customer", "agent").get(pk=chat_id)


# --- helpers ------------------------------------------------------------------------------


def _check_cid(cid: str) -> None:
    if not CLIENT_ID.match(cid):
        raise ValidationFailed(
            _("Id pesan dari klien tidak sah."), fields={"cid": [_("Tidak sah.")]}
        )


def _check_body(body: str, *, uploads: Sequence[Upload] = ()) -> str:
    body = body.strip()
    if not body and not uploads:
        raise ValidationFailed(_("Pesan kosong."), fields={"body": [_("Wajib diisi.")]})
    if len(body) > MAX_BODY:
        raise ValidationFailed(
            _("Pesan terlalu panjang (paling banyak %(max)d karakter).") % {"max": MAX_BODY},
            fields={"body": [_("Terlalu panjang.")]},
        )
    return body


def _external_id(chat: Chat, side: str, cid: str) -> str:
    return f"livechat:{chat.pk}:{side}:{cid}"


def _lock(chat: Chat) -> Chat:
    # ``of``: PostgreSQL refuses FOR UPDATE on the nullable side of the joins (agent).
    return (
        Chat.objects.select_for_update(of=("self",))
        .select_related("ticket__customer", "ticket__team", "agent")
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


def _provisional_customer(name: str) -> Customer:
    """The chat's own customer while its address is a claim: the typed name, no contacts
    (a contact would claim the address or phone for it)."""
    return customer_create(name=name)


def _check_start(name: str, email: str, phone: str) -> None:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Nama wajib diisi.")]
    if not email and not phone:
        errors["email"] = [_("Isi email atau nomor telepon.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Alamat email tidak sah.")]
    if errors:
        raise ValidationFailed(_("Data belum lengkap."), fields=errors)


# --- the visitor --------------------------------------------------------------------------


def language_of(raw: str) -> str:
    """The supported language a page names (``en-US`` -> ``en``); else the default."""
    code = raw.strip().lower()[:16] if isinstance(raw, str) else ""
    if not code:
        return str(settings.LANGUAGE_CODE)
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return str(settings.LANGUAGE_CODE)


def chat_start(
    *,
    name: str,
    email: str,
    phone: str,
    body: str,
    cid: str,
    browser_key: str,
    language: str = "",
    brand: str = "",
) -> Chat:
    """Start a chat from the browser whose cookie secret is ``browser_key``: a provisional
    customer, the ticket with the first message; the typed address is kept as a claim.
    ``brand``: the slug on the widget's tag (``data-brand``), the ticket's brand (an
    unknown one: the default brand).

    Starting again with the same ``cid`` from the same browser returns the same chat (a
    retried start); from another browser, ``NotFound``."""
    name, email, phone = name.strip()[:120], email.strip().lower(), phone.strip()
    _check_cid(cid)
    _check_start(name, email, phone)
    body = _check_body(body)
    if not browser_key_valid(browser_key):
        raise ValidationFailed(_("Peramban tidak dikenali. Muat ulang halaman."))
    external_id = f"livechat:start:{cid}"
    try:
        chat = _chat_start(
            name,
            email,
            phone,
            body,
            external_id,
            _key_hash(browser_key),
            language_of(language),
            found.id if (found := brands.by_slug(brand)) else None,
        )
    except IntegrityError:  # the same start, concurrently: the other one won
        existing = Message.objects.filter(channel=Channel.LIVECHAT, external_id=external_id)
        first = existing.first()
        if first is None:
            raise
        chat = Chat.objects.select_related("ticket__customer", "agent").get(
            ticket_id=first.ticket_id
        )
    if not _same_browser(chat, browser_key):
        raise NotFound(_("Percakapan tidak ditemukan."))
    return chat


@transaction.atomic
def _chat_start(
    name: str,
    email: str,
    phone: str,
    body: str,
    external_id: str,
    key_hash: str,
    language: str,
    brand_id: int | None = None,
) -> Chat:
    existing = (
        Message.objects.filter(channel=Channel.LIVECHAT, external_id=external_id)
        .values_list("ticket_id", flat=True)
        .first()
    )
    if existing is not None:
        return Chat.objects.select_related("ticket__customer", "agent").get(ticket_id=existing)
    customer = _provisional_customer(name)
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
        brand_id=brand_id,
    )
    chat = Chat.objects.create(
        ticket=ticket,
        visitor_name=name,
        visitor_email=email,
        visitor_phone=phone,
        identity=Identity.CLAIMED,
        provisional_customer=customer,
        browser_key_hash=key_hash,
        language=language,
        offline=not online(selectors.staff_ids()),
        created_at=ticket.created_at,
        queued_at=ticket.created_at,
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
            raise Conflict(_("Percakapan ini sudah berakhir. Silakan mulai percakapan baru."))
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


def bot_card_store(message: Message, data: dict[str, Any]) -> None:
    """In the bot's reply's transaction: how the widget shows it (``kb.conversation``)."""
    BotCard.objects.create(message=message, data=data)


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


# --- proving the address -----------------------------------------------------------------


def _code_hash(chat: Chat, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{chat.pk}:{code}", algorithm="sha256").hexdigest()


def _code_mail(email: str, code: str, language: str, brand_id: int | None = None) -> None:
    # Nothing the visitor typed (not even the name): the address is not proven yet. The
    # settings page's "Kode verifikasi live chat", in the chat's language and brand.
    minutes = int(CODE_TTL.total_seconds() // 60)
    rendered = message_templates.render_message(
        "livechat_code",
        language=language or None,
        brand=brand_id,
        context={"kode": code, "menit": minutes},
    )
    try:
        send_mail(rendered.subject, rendered.body, None, [email])
    except Exception:  # the visitor asks again; nothing else waits for this mail
        log.exception("live chat code mail to %s failed", email)


def _check_claimed(chat: Chat) -> None:
    if chat.identity != Identity.CLAIMED:
        raise Conflict(_("Percakapan ini sudah terhubung dengan data pelanggan."))
    if not chat.visitor_email:
        raise ValidationFailed(
            _("Percakapan ini tidak memakai alamat email."), fields={"email": [_("Kosong.")]}
        )


def chat_code_send(*, chat: Chat) -> None:
    """A new one-time code for the chat's typed address, mailed after the commit (any
    earlier code stops working). The caller limits how often (``mail_allowed``)."""
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        chat = _lock(chat)
        _check_claimed(chat)
        chat.code_hash = _code_hash(chat, code)
        chat.code_expires_at = timezone.now() + CODE_TTL
        chat.code_attempts = 0
        chat.save(update_fields=["code_hash", "code_expires_at", "code_attempts"])
        email = chat.visitor_email
        transaction.on_commit(
            partial(_code_mail, email, code, chat.language, chat.ticket.brand_id), robust=True
        )


def chat_code_check(*, chat: Chat, code: str) -> Chat:
    """The visitor's code: right, the chat (and its ticket) is filed under the customer
    of the address; wrong, one try fewer (``ValidationFailed``); used up, expired or never
    sent, ``Conflict``."""
    right, chat, left = _code_check(chat, code.strip())
    if not right:
        raise ValidationFailed(
            _("Kode salah. Sisa %(left)d kali percobaan.") % {"left": left}
            if left
            else _("Kode salah."),
            fields={"code": [_("Kode salah.")]},
        )
    return chat


@transaction.atomic
def _code_check(chat: Chat, code: str) -> tuple[bool, Chat, int]:
    """Its own transaction, so a wrong try is counted even though the caller raises."""
    chat = _lock(chat)
    _check_claimed(chat)
    expires = chat.code_expires_at
    if not chat.code_hash or expires is None or expires <= timezone.now():
        raise Conflict(_("Kode sudah tidak berlaku. Minta kode baru."))
    if chat.code_attempts >= CODE_TRIES:
        raise Conflict(_("Terlalu banyak kode yang salah. Minta kode baru."))
    if not constant_time_compare(_code_hash(chat, code), chat.code_hash):
        Chat.objects.filter(pk=chat.pk).update(code_attempts=F("code_attempts") + 1)
        return False, chat, CODE_TRIES - chat.code_attempts - 1
    email = chat.visitor_email
    target = customer_find_by_contact(ContactKind.EMAIL, email)
    if target is None:  # nobody has the address: the visitor's own record gets it
        target = chat.provisional_customer or chat.ticket.customer
        contacts = [ContactIn(c.kind, c.value, c.is_primary) for c in target.contacts.all()]
        has_primary = any(c.is_primary and c.kind == ContactKind.EMAIL for c in contacts)
        contacts.append(ContactIn(ContactKind.EMAIL, email, is_primary=not has_primary))
        target = customer_update(
            customer=target, version=target.version, changes={}, contacts=contacts
        )
    reason = said_in_default_language(
        gettext_lazy("Email pengunjung terbukti dengan kode sekali pakai.")
    )
    return True, _settle(chat, None, target, Identity.VERIFIED, reason), 0


def _settle(
    chat: Chat, actor: User | None, target: Customer, identity: Identity, reason: str
) -> Chat:
    """File a claimed chat (locked) under ``target``; its provisional customer is merged
    away into it."""
    provisional_id = chat.provisional_customer_id
    chat.ticket = tickets.ticket_change_customer(
        actor=actor, ticket=chat.ticket, customer=target, reason=reason
    )
    chat.identity = identity
    chat.provisional_customer = None
    chat.code_hash, chat.code_expires_at, chat.code_attempts = "", None, 0
    chat.save(
        update_fields=[
            "identity",
            "provisional_customer",
            "code_hash",
            "code_expires_at",
            "code_attempts",
        ]
    )
    provisional = (
        Customer.objects.filter(
            pk=provisional_id, merged_into__isnull=True, erased_at__isnull=True
        ).first()
        if provisional_id is not None and provisional_id != target.pk
        else None
    )
    if provisional is not None:
        customer_merge(actor=system_user(), target=target, source=provisional)
    _announce(chat)
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
    raise PermissionDenied(_("Percakapan ini ditangani petugas lain."))


def chat_for_staff(actor: User, chat_id: int) -> Chat:
    """A chat whose ticket ``actor`` may see; ``NotFound`` otherwise."""
    require_staff(actor)
    chat = (
        Chat.objects.select_related("ticket__customer", "ticket__team", "agent")
        .filter(pk=chat_id)
        .first()
    )
    if chat is None:
        raise NotFound(_("Percakapan tidak ditemukan."))
    access_ticket(actor, chat.ticket_id)
    return chat


@transaction.atomic
def chat_link_customer(*, actor: User, chat: Chat, customer: Customer) -> Chat:
    """The handling agent (or a supervisor/admin) files a chat whose address is still a
    claim under ``customer``, having checked who the visitor is; the timeline says who."""
    chat = _lock(chat)
    _check_handler(actor, chat)
    if chat.identity != Identity.CLAIMED:
        raise Conflict(_("Percakapan ini sudah terhubung dengan data pelanggan."))
    target = Customer.objects.filter(
        pk=customer.pk, merged_into__isnull=True, erased_at__isnull=True
    ).first()
    if target is None:
        raise NotFound(_("Pelanggan tidak ditemukan."))
    reason = said_in_default_language(
        gettext_lazy("Dihubungkan petugas dari live chat (email belum diverifikasi).")
    )
    return _settle(chat, actor, target, Identity.LINKED, reason)


def customer_for_staff(actor: User, customer_id: int) -> Customer:
    require_staff(actor)
    found = Customer.objects.filter(pk=customer_id).first()
    if found is None:
        raise NotFound(_("Pelanggan tidak ditemukan."))
    return found


def staff_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.is_agent_or_above:
        raise NotFound(_("Petugas tidak ditemukan."))
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
        who = chat.agent.display_name if chat.agent is not None else _("petugas lain")
        raise Conflict(_("Percakapan ini sudah diambil oleh %(who)s.") % {"who": who})
    _assign(actor, chat, actor, _("Diambil dari antrean live chat."))
    chat.status = ChatStatus.ACTIVE
    chat.agent = actor
    chat.save(update_fields=["status", "agent"])
    _announce(chat)
    return chat


@transaction.atomic
def chat_transfer_team(*, actor: User, chat: Chat, team: Team) -> Chat:
    """Hand an active chat (and its ticket) to a team: the ticket moves to the team with no
    owner (``ticket_update``, so the timeline records it) and the chat waits in the queue
    again, marked for that team, its waiting time counted from now."""
    chat = _lock(chat)
    _check_handler(actor, chat)
    if chat.status != ChatStatus.ACTIVE:
        raise Conflict(_("Hanya percakapan yang sedang dilayani yang dapat dialihkan."))
    ticket = chat.ticket
    reason = said_in_default_language(
        gettext_lazy("Live chat dialihkan ke tim %(team)s oleh %(name)s."),
        team=team.name,
        name=actor.display_name,
    )
    chat.ticket = tickets.ticket_update(
        actor=actor,
        ticket=ticket,
        version=ticket.version,
        changes={"team": team, "assignee": None},
        reason=reason,
    )
    chat.status = ChatStatus.WAITING
    chat.agent = None
    chat.queued_at = timezone.now()
    chat.save(update_fields=["status", "agent", "queued_at"])
    _announce(chat)
    return chat


def team_for_transfer(team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("Tim tidak ditemukan."))
    return team


@transaction.atomic
def chat_transfer(*, actor: User, chat: Chat, to: User) -> Chat:
    """Hand an active chat (and its ticket) to another agent who is online now."""
    chat = _lock(chat)
    _check_handler(actor, chat)
    if chat.status != ChatStatus.ACTIVE:
        raise Conflict(_("Hanya percakapan yang sedang dilayani yang dapat dialihkan."))
    if not to.is_active or not to.is_agent_or_above or to.pk == chat.agent_id:
        raise ValidationFailed(_("Pilih petugas lain."), fields={"to": [_("Bukan petugas lain.")]})
    if to.pk not in online([to.pk]):
        raise ValidationFailed(
            _("%(name)s sedang tidak daring.") % {"name": to.display_name},
            fields={"to": [_("Tidak daring.")]},
        )
    _assign(
        actor,
        chat,
        to,
        said_in_default_language(
            gettext_lazy("Live chat dialihkan oleh %(name)s."), name=actor.display_name
        ),
    )
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
            raise Conflict(_("Percakapan sudah berakhir; balas lewat halaman tiket."))
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


def refuse_merge_while_chatting(event: hooks.TicketMerging) -> None:
    """A ticket whose live chat is still running is not merged away (``TicketMerging``):
    the visitor's next message would find it closed. End the chat first."""
    running = (
        Chat.objects.filter(ticket_id=event.source_id).exclude(status=ChatStatus.ENDED).exists()
    )
    if running:
        raise Conflict(
            _(
                "Obrolan langsung pada tiket ini masih berjalan. Akhiri obrolannya dulu, "
                "lalu gabungkan tiketnya."
            )
        )
