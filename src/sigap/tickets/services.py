"""Every write to a ticket. Interfaces (API, views, commands, tasks) call these only.

Each service runs in one transaction, locks the ticket row, writes the change and its
timeline event together, and bumps ``Ticket.version`` so concurrent editors notice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sigap.accounts.access import require_staff
from sigap.accounts.models import Role, Team, User
from sigap.accounts.system import is_system
from sigap.core import fastsql
from sigap.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TransitionNotAllowed,
    ValidationFailed,
)
from sigap.customers.models import Customer
from sigap.notifications.models import NotificationKind
from sigap.notifications.services import notify_many
from sigap.sla import book as sla_book
from sigap.tickets import escalation, events, hooks
from sigap.tickets.access import require_supervisor_for
from sigap.tickets.attachments import Upload, attachment_store, check_size, known_attachments
from sigap.tickets.models import (
    OPEN_PROPOSAL_STATUSES,
    Apology,
    Category,
    Channel,
    CompensationType,
    ComplainerGoal,
    ComplainerType,
    Confirmation,
    EventKind,
    Kind,
    Message,
    MessageKind,
    Priority,
    Proposal,
    ProposalStatus,
    ResponseType,
    RootCause,
    Severity,
    Status,
    Tag,
    Ticket,
)
from sigap.tickets.search import index_message, index_new_ticket, index_ticket
from sigap.tickets.sla import default_priority, due_for
from sigap.tickets.transitions import check_transition

S = Status

# --- helpers -------------------------------------------------------------------------------


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock (PostgreSQL) for a read-modify-write."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _touch(ticket: Ticket, **fields: Any) -> None:
    """Write ``fields`` and bump the version; keeps the in-memory object in step."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(version=F("version") + 1, updated_at=now, **fields)
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.version += 1
    ticket.updated_at = now


def _set_status(ticket: Ticket, actor: User | None, to: Status, reason: str = "") -> None:
    check_transition(kind=ticket.kind, current=ticket.status, target=to, reason=reason)
    old = ticket.status
    now = timezone.now()
    extra: dict[str, Any] = {}
    if to == S.RESOLVED:
        extra["resolved_at"] = now
    elif to == S.CLOSED:
        extra["closed_at"] = now
    elif old == S.RESOLVED:
        extra["resolved_at"] = None
    if to == S.WAITING_CUSTOMER and old != S.WAITING_CUSTOMER:
        extra["sla_paused_at"] = now  # the clock stops while the customer has the ball
        extra["customer_reminded_at"] = None
    elif old == S.WAITING_CUSTOMER and ticket.sla_paused_at is not None:
        extra.update(_sla_resumed(ticket, now))
    sla_data = extra.pop("_sla_data", {})
    _touch(ticket, status=to, **extra)
    events.status_changed_event(ticket, actor, old, to, reason)
    if "sla_paused_at" in extra:
        kind = EventKind.SLA_PAUSED if extra["sla_paused_at"] else EventKind.SLA_RESUMED
        events.sla_event(ticket, kind, data=sla_data)
    hooks.publish(hooks.StatusChanged(ticket_id=ticket.pk, old=old, new=to))


def _sla_resumed(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """Push the due times back by the business time the ticket waited for the customer."""
    paused_at = ticket.sla_paused_at
    assert paused_at is not None
    calendar = sla_book.current().calendar_for(ticket.sla_policy_id)
    if calendar is None:
        waited = (now - paused_at).total_seconds() / 60

        def shift(moment: datetime) -> datetime:
            return moment + timedelta(minutes=waited)
    else:
        waited = calendar.between(paused_at, now)

        def shift(moment: datetime) -> datetime:
            return calendar.add(moment, waited)

    out: dict[str, Any] = {"sla_paused_at": None}
    if waited <= 0:
        return out
    if ticket.resolution_due_at is not None:
        out["resolution_due_at"] = shift(ticket.resolution_due_at)
    if ticket.sla_warn_at is not None:
        out["sla_warn_at"] = shift(ticket.sla_warn_at)
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        out["first_response_due_at"] = shift(ticket.first_response_due_at)
    out["_sla_data"] = {
        "paused_minutes": round(waited),
        "resolution_due_at": out.get("resolution_due_at", ticket.resolution_due_at)
        .astimezone(UTC)
        .isoformat()
        if ticket.resolution_due_at
        else None,
    }
    return out


def _tag_objects(names: Iterable[str]) -> list[Tag]:
    cleaned = sorted({n.strip().lower() for n in names if n.strip()})
    if not cleaned:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=n) for n in cleaned if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    return [existing[n] for n in cleaned]


def _check_assignee(assignee: User | None, team: Team | None) -> None:
    if assignee is None:
        return
    if not assignee.is_active or not assignee.is_agent_or_above:
        raise ValidationFailed(
            "Penanggung jawab harus petugas yang aktif.",
            fields={"assignee_id": ["Bukan petugas aktif."]},
        )
    if team is None or assignee.role == Role.ADMIN:
        return
    in_team = team.supervisor_id == assignee.pk or team.members.filter(pk=assignee.pk).exists()
    if not in_team:
        raise ValidationFailed(
            f"{assignee.display_name} bukan anggota tim {team.name}.",
            fields={"assignee_id": ["Bukan anggota tim."]},
        )


def _choice(value: Any, choices: Sequence[Any], field: str) -> Any:
    if value not in choices:
        raise ValidationFailed(
            f"Nilai '{value}' tidak valid untuk {field}.", fields={field: ["Pilihan tidak valid."]}
        )
    return value


# --- creation ------------------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    *,
    actor: User | None,
    customer: Customer,
    kind: str,
    channel: str,
    subject: str,
    description: str,
    category: str = "",
    severity: str = "",
    priority: int | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    tags: Iterable[str] = (),
    complainer_type: str = "",
    complainer_goal: str = "",
    response_type: str = "",
    root_cause: str = "",
    external_id: str = "",
    uploads: Sequence[Upload] = (),
    created_at: datetime | None = None,
    body_html: str = "",
) -> Ticket:
    """Open a ticket; its description is stored as the first inbound message too
    (``body_html``: that message's sanitized HTML, when it came as HTML)."""
    if actor is not None and actor.is_customer:
        linked = getattr(actor, "customer", None)
        if linked is None or linked.pk != customer.pk:
            raise NotFound("Pelanggan tidak ditemukan.")
        channel = Channel.PORTAL
        team = assignee = None
        priority = None
        # Severity and category are the company's assessment (triage), not the customer's.
        severity = category = ""
    for field_name, value, choices in (
        ("kind", kind, Kind.values),
        ("channel", channel, Channel.values),
        ("category", category, Category.values),
        ("severity", severity, Severity.values),
        ("complainer_type", complainer_type, ComplainerType.values),
        ("complainer_goal", complainer_goal, ComplainerGoal.values),
        ("response_type", response_type, ResponseType.values),
        ("root_cause", root_cause, RootCause.values),
    ):
        _choice(value, choices, field_name)
    if priority is not None:
        _choice(priority, Priority.values, "priority")
    for upload in uploads:
        check_size(upload.filename, len(upload.content))
    subject = subject.strip()
    description = description.strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = ["Subjek wajib diisi."]
    if not description:
        errors["description"] = ["Deskripsi wajib diisi."]
    if errors:
        raise ValidationFailed("Data tiket belum lengkap.", fields=errors)
    _check_assignee(assignee, team)
    now = created_at or timezone.now()
    advice = hooks.publish(
        hooks.TicketIntake(
            subject=subject,
            description=description,
            kind=kind,
            channel=channel,
            severity=severity,
            priority=priority,
            loyalty_tier=customer.loyalty_tier,
            customer_kind=customer.kind,
        )
    )
    notes: list[dict[str, Any]] = []
    for given in advice:
        if given.overrides:  # danger to people: the tightest handling, whatever was given
            severity = given.severity if given.severity is not None else severity
            priority = given.priority if given.priority is not None else priority
        elif priority is None and given.priority is not None:
            priority = given.priority
        tags = [*tags, *given.tags]
        if given.note is not None:
            notes.append(dict(given.note))
    if priority is None:
        priority = default_priority(severity, customer.loyalty_tier)
    sla = due_for(
        channel,
        priority,
        now,
        severity=severity,
        kind=kind,
        tier=customer.loyalty_tier,
        team_id=team.pk if team else None,
    )
    ticket = Ticket(
        kind=kind,
        channel=channel,
        subject=subject,
        description=description,
        category=category,
        severity=severity,
        priority=priority,
        complainer_type=complainer_type,
        complainer_goal=complainer_goal,
        response_type=response_type,
        root_cause=root_cause,
        customer=customer,
        team=team,
        assignee=assignee,
        created_by=actor,
        first_response_due_at=sla.first_response,
        resolution_due_at=sla.resolution,
        sla_warn_at=sla.warn_at,
        sla_policy_id=sla.policy_id,
        created_at=now,
        updated_at=now,
    )
    fastsql.insert([ticket])
    tag_objs = _tag_objects(tags)
    if tag_objs:
        ticket.tags.add(*tag_objs)
    message = Message(
        ticket=ticket,
        kind=MessageKind.INBOUND,
        channel=channel,
        author=actor if actor is not None and actor.is_customer else None,
        body=description,
        body_html=body_html,
        external_id=external_id,
        created_at=now,
    )
    fastsql.insert([message])
    known_attachments(message, [attachment_store(message=message, upload=u) for u in uploads])
    events.ticket_opened_events(ticket, actor, message)
    for note in notes:
        events.sla_event(ticket, EventKind.AUTOMATION, data=note)
    # A caller hears it from the agent; a public comment gets the agent's own first reply
    # (moved to a private message by the channel), not an automatic one.
    if (
        settings.SIGAP_AUTO_ACK
        and (actor is None or actor.is_customer)
        and channel != Channel.PHONE
        and not external_id.startswith("comment:")
    ):
        _acknowledge(ticket, customer, now)
    index_new_ticket(ticket)
    by_customer = actor is None or actor.is_customer
    changed = hooks.publish(
        hooks.TicketCreated(
            ticket_id=ticket.pk,
            kind=kind,
            channel=channel,
            by_customer=by_customer,
            text=description,
        )
    )
    # An automatic responder answers a customer writing in, not staff logging a ticket.
    if by_customer:
        hooks.publish(hooks.CustomerWrote(ticket_id=ticket.pk, channel=channel, text=description))
    if any(changed):  # an automation rule acted on it in this transaction
        ticket.refresh_from_db()
    else:
        setattr(ticket, _CREATED_TAGS, [t.name for t in tag_objs])
    return ticket


_CREATED_TAGS = "_sigap_created_tags"


def tags_as_created(ticket: Ticket) -> list[str] | None:
    """The tag names ``ticket_create`` gave a ticket, when nothing else can have changed
    them in its transaction (no automation ran); None: read them from the database."""
    names: list[str] | None = getattr(ticket, _CREATED_TAGS, None)
    return names


ACKNOWLEDGEMENT = (
    "Halo Kak {nama},\n\n"
    "Terima kasih, pesan Anda sudah kami terima dengan nomor tiket {nomor}. "
    "Kami akan membalas paling lambat {balas}, dan menargetkan masalah ini selesai paling "
    "lambat {selesai}.\n\n"
    "Salam,\nTim layanan pelanggan"
)


def bot_reply(*, ticket: Ticket, body: str) -> Message:
    """An automatic responder's answer to the customer (the chatbot): a public reply with
    no author, sent on the ticket's channel. Not a person's response: the SLA clocks keep
    running, like for the automatic acknowledgement."""
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        channel=ticket.channel,
        author=None,
        body=body,
        created_at=timezone.now(),
    )
    events.message_event(message)
    _deliver(message)
    return message


def _deliver(message: Message) -> None:
    """A public reply leaves on its channel once it is committed (the channel's
    connector subscribes to ``ReplyPosted``)."""
    hooks.publish(
        hooks.ReplyPosted(
            message_id=message.pk, ticket_id=message.ticket_id, channel=message.channel
        )
    )


def _acknowledge(ticket: Ticket, customer: Customer, now: datetime) -> None:
    """The automatic acknowledgement: the customer learns the ticket number and the
    deadlines at once. It is not the first response (the SLA clock keeps running)."""
    from sigap.tickets.guidance import when

    name = customer.name.strip()
    body = ACKNOWLEDGEMENT.format(
        nama=name.split()[0] if name else "",
        nomor=ticket.reference,
        balas=when(ticket.first_response_due_at, customer.time_zone),
        selesai=when(ticket.resolution_due_at, customer.time_zone),
    )
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        channel=ticket.channel,
        author=None,
        body=body,
        created_at=now,
    )
    events.message_event(message)
    _deliver(message)


# --- field updates -----------------------------------------------------------------------

UPDATABLE = frozenset(
    {
        "subject",
        "category",
        "severity",
        "priority",
        "complainer_type",
        "complainer_goal",
        "response_type",
        "root_cause",
        "team",
        "assignee",
        "tags",
    }
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Team | User):
        return value.pk
    return value


@transaction.atomic
def ticket_update(
    *,
    actor: User,
    ticket: Ticket,
    version: int,
    changes: dict[str, Any],
    reason: str = "",
) -> Ticket:
    """Change fields; ``version`` must be the one the caller read (optimistic locking)."""
    require_staff(actor)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationFailed(
            "Kolom ini tidak dapat diubah.", fields={f: ["Tidak dapat diubah."] for f in unknown}
        )
    ticket = _lock(ticket)
    if ticket.version != version:
        raise StaleVersion(
            f"Tiket {ticket.reference} sudah diubah orang lain (versi {ticket.version}, "
            f"Anda mengubah versi {version}). Muat ulang lalu coba lagi."
        )
    if not ticket.is_open and set(changes) - {"tags", "root_cause", "category"}:
        raise Conflict(f"Tiket {ticket.reference} sudah ditutup/selesai; buka kembali dulu.")
    team = changes.get("team", ticket.team)
    assignee = changes.get("assignee", ticket.assignee)
    if "team" in changes or "assignee" in changes:
        _check_assignee(assignee, team)
    plain: dict[str, Any] = {}
    for field, new in changes.items():
        if field == "tags":
            continue
        old = getattr(ticket, field)
        if old != new:
            plain[field] = new
            events.field_changed_event(ticket, actor, field, _jsonable(old), _jsonable(new), reason)
    if "tags" in changes:
        old_tags = sorted(ticket.tags.values_list("name", flat=True))
        new_objs = _tag_objects(changes["tags"])
        new_tags = [t.name for t in new_objs]
        if old_tags != new_tags:
            ticket.tags.set(new_objs)
            events.field_changed_event(ticket, actor, "tags", old_tags, new_tags, reason)
            plain.setdefault("updated_at", timezone.now())
    if plain and {"priority", "team", "severity"} & set(plain) and ticket.is_open:
        plain.update(_recomputed_due(ticket, actor, plain, reason))
    if plain:
        plain.pop("updated_at", None)
        _touch(ticket, **plain)
        if "subject" in plain:
            index_ticket(ticket.pk)
    if plain:
        hooks.publish(
            hooks.TicketUpdated(
                ticket_id=ticket.pk,
                actor_id=actor.pk,
                changes={
                    f: "" if v is None else str(_jsonable(v))
                    for f, v in plain.items()
                    if f in changes
                },
                by_system=is_system(actor),
            )
        )
    return ticket


def _recomputed_due(
    ticket: Ticket, actor: User | None, plain: dict[str, Any], reason: str
) -> dict[str, Any]:
    """A change of priority, team, severity or of the SLA policies themselves can change
    the policy or its targets: due times are computed again from the ticket's creation,
    pushed back by the business time it already spent waiting for the customer, and the
    timeline says why."""
    team = plain.get("team", ticket.team)
    sla = due_for(
        ticket.channel,
        plain.get("priority", ticket.priority),
        ticket.created_at,
        severity=plain.get("severity", ticket.severity),
        kind=ticket.kind,
        tier=ticket.customer.loyalty_tier,
        team_id=team.pk if team else None,
    )
    shift = _paused_shift(ticket, sla.policy_id)
    why = reason or "Tenggat dihitung ulang karena prioritas, tim atau tingkat berubah."
    changed: dict[str, Any] = {}
    if sla.policy_id != ticket.sla_policy_id:
        changed["sla_policy_id"] = sla.policy_id
    warn_at = shift(sla.warn_at)
    if warn_at != ticket.sla_warn_at:  # a new target: warn and breach afresh
        changed.update(sla_warn_at=warn_at, sla_warned_at=None, sla_breached_at=None)
    wanted = {"resolution_due_at": shift(sla.resolution)}
    if ticket.first_responded_at is None:
        wanted["first_response_due_at"] = shift(sla.first_response)
    for field, value in wanted.items():
        old = getattr(ticket, field)
        if old != value:
            events.field_changed_event(
                ticket,
                actor,
                field,
                old.astimezone(UTC).isoformat() if old else None,
                value.astimezone(UTC).isoformat(),
                why,
            )
            changed[field] = value
    return changed


def _paused_shift(ticket: Ticket, policy_id: int | None) -> Callable[[datetime], datetime]:
    """Due times move back by the business time of every finished wait for the customer
    (the current one, if any, is added when it ends: ``_sla_resumed``)."""
    marks = list(
        ticket.events.filter(kind__in=(EventKind.SLA_PAUSED, EventKind.SLA_RESUMED))
        .order_by("created_at", "pk")
        .values_list("kind", "created_at")
    )
    waits: list[tuple[datetime, datetime]] = []
    started: datetime | None = None
    for kind, at in marks:
        if kind == EventKind.SLA_PAUSED:
            started = at
        elif started is not None:
            waits.append((started, at))
            started = None
    if not waits:
        return lambda moment: moment
    calendar = sla_book.current().calendar_for(policy_id)
    if calendar is None:
        minutes = sum((b - a).total_seconds() / 60 for a, b in waits)
        return lambda moment: moment + timedelta(minutes=minutes)
    business = sum(calendar.between(a, b) for a, b in waits)
    return lambda moment: calendar.add(moment, business)


@transaction.atomic
def ticket_recompute_due(*, ticket: Ticket, reason: str) -> bool:
    """Due times again after the SLA policies changed (``tickets.tasks.recompute_due_times``).
    False when they stay the same or the ticket is no longer open."""
    ticket = _lock(ticket)
    if not ticket.is_open:
        return False
    changed = _recomputed_due(ticket, None, {}, reason)
    if not changed:
        return False
    _touch(ticket, **changed)
    return True


def ticket_transfer(*, actor: User, ticket: Ticket, team: Team, reason: str) -> Ticket:
    """Move a ticket to another team; an owner who is not a member there is released."""
    changes: dict[str, Any] = {"team": team}
    if ticket.assignee_id and not team.members.filter(pk=ticket.assignee_id).exists():
        changes["assignee"] = None
    return ticket_update(
        actor=actor, ticket=ticket, version=ticket.version, changes=changes, reason=reason
    )


def tickets_move_customer(*, actor: User, target: Customer, source: Customer) -> list[int]:
    """A customer merge (``customers.services.customer_merge``, inside its transaction):
    every ticket of ``source`` moves to ``target``, each with its version bumped and a
    timeline entry naming the merge."""
    now = timezone.now()
    tickets = list(Ticket.objects.select_for_update().filter(customer=source).order_by("pk"))
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
        customer=target, version=F("version") + 1, updated_at=now
    )
    old, new = f"{source.name} (#{source.pk})", f"{target.name} (#{target.pk})"
    reason = f"Pelanggan #{source.pk} digabung ke pelanggan #{target.pk}."
    for ticket in tickets:
        ticket.customer = target
        events.field_changed_event(ticket, actor, "customer", old, new, reason=reason)
    return [t.pk for t in tickets]


# --- the procedure ----------------------------------------------------------------------------


@transaction.atomic
def ticket_transition(*, actor: User, ticket: Ticket, to: str, reason: str = "") -> Ticket:
    """Generic status change through the transition table (used by the API and bulk UI)."""
    require_staff(actor)
    ticket = _lock(ticket)
    target = Status(to)
    if target == S.RESOLVED:
        return ticket_resolve(actor=actor, ticket=ticket, reason=reason)
    if ticket.status == S.RESOLVED and target == S.IN_PROGRESS:
        return ticket_reopen(actor=actor, ticket=ticket, reason=reason)
    if target == S.RECORDED:
        raise TransitionNotAllowed("Gunakan langkah 'Catat' untuk mencatat fakta dan kronologi.")
    if target == S.CONFIRMED:
        raise TransitionNotAllowed("Gunakan langkah 'Konfirmasi' untuk mencatat konfirmasi.")
    _set_status(ticket, actor, target, reason)
    return ticket


@transaction.atomic
def ticket_record(*, actor: User, ticket: Ticket, facts: str) -> Ticket:
    """Catat: record the customer's data and the chronology."""
    require_staff(actor)
    facts = facts.strip()
    if not facts:
        raise ValidationFailed("Catatan fakta wajib diisi.", fields={"facts": ["Wajib diisi."]})
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise Conflict(f"Tiket {ticket.reference} sudah selesai atau ditutup.")
    events.recorded_event(ticket, actor, facts)
    _touch(ticket, facts=facts)
    if ticket.status == S.NEW:
        _set_status(ticket, actor, S.RECORDED)
    index_ticket(ticket.pk)
    return ticket


@transaction.atomic
def ticket_confirm(
    *,
    actor: User,
    ticket: Ticket,
    restatement: str,
    customer_confirmed: bool,
    customer_response: str = "",
) -> Confirmation:
    """Konfirmasi: restate the core problem; move on only once the customer agrees."""
    require_staff(actor)
    restatement = restatement.strip()
    if not restatement:
        raise ValidationFailed(
            "Pernyataan ulang masalah wajib diisi.", fields={"restatement": ["Wajib diisi."]}
        )
    ticket = _lock(ticket)
    if ticket.status == S.NEW:
        raise TransitionNotAllowed("Catat fakta dan kronologi dulu sebelum konfirmasi.")
    if not ticket.is_open:
        raise Conflict(f"Tiket {ticket.reference} sudah selesai atau ditutup.")
    confirmation = Confirmation.objects.create(
        ticket=ticket,
        restatement=restatement,
        customer_confirmed=customer_confirmed,
        customer_response=customer_response.strip(),
        recorded_by=actor,
    )
    events.confirmation_event(
        ticket, actor, restatement, customer_confirmed, confirmation.customer_response
    )
    if customer_confirmed and ticket.status == S.RECORDED:
        _set_status(ticket, actor, S.CONFIRMED)
    else:
        _touch(ticket)
    return confirmation


APOLOGY_PARTS = ("recognition", "responsibility", "remorse", "restitution", "repetition")


@transaction.atomic
def apology_create(
    *, actor: User, ticket: Ticket, parts: dict[str, str], send: bool = True
) -> Apology:
    """Record an apology with the 5 R; by default it is also sent as a public reply."""
    require_staff(actor)
    missing = [p for p in APOLOGY_PARTS if not parts.get(p, "").strip()]
    if missing:
        raise ValidationFailed(
            "Permintaan maaf harus memuat kelima unsur 5R.",
            fields={p: ["Wajib diisi."] for p in missing},
        )
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise Conflict(f"Tiket {ticket.reference} sudah selesai atau ditutup.")
    message = None
    if send:
        body = "\n\n".join(parts[p].strip() for p in APOLOGY_PARTS)
        message = _message_create(ticket, actor, MessageKind.REPLY, body, ticket.channel)
    apology = Apology.objects.create(
        ticket=ticket, author=actor, message=message, **{p: parts[p].strip() for p in APOLOGY_PARTS}
    )
    events.apology_event(ticket, actor, apology.pk)
    if message is not None:
        index_ticket(ticket.pk)
    return apology


# --- messages ------------------------------------------------------------------------------


def _message_create(
    ticket: Ticket,
    actor: User | None,
    kind: MessageKind,
    body: str,
    channel: str,
    external_id: str = "",
    created_at: datetime | None = None,
    handle_seconds: int | None = None,
    body_html: str = "",
) -> Message:
    message = Message(
        ticket=ticket,
        kind=kind,
        channel=channel,
        author=actor,
        body=body,
        body_html=body_html,
        external_id=external_id,
        created_at=created_at or timezone.now(),
    )
    fastsql.insert([message])
    events.message_event(message, handle_seconds=handle_seconds)
    if kind == MessageKind.REPLY:
        _deliver(message)
    fields: dict[str, Any] = {}
    if kind == MessageKind.REPLY:
        if ticket.first_responded_at is None:
            fields["first_responded_at"] = message.created_at
        if ticket.next_response_due_at is not None:  # answered: the clock stops
            fields["next_response_due_at"] = None
    _touch(ticket, **fields)
    return message


@transaction.atomic
def message_add(
    *,
    actor: User | None,
    ticket: Ticket,
    kind: str,
    body: str,
    channel: str | None = None,
    external_id: str = "",
    uploads: Sequence[Upload] = (),
    created_at: datetime | None = None,
    handle_seconds: int | None = None,
    chatbot: bool = True,
    bot_text: str = "",
    body_html: str = "",
) -> Message:
    """Add an inbound message, a public reply or an internal note. ``handle_seconds``:
    how long the agent worked on it (the composer measures it; AHT in ``metrics``).
    ``chatbot=False``: the caller hands an inbound message to the automatic responders
    itself (live chat does, after acknowledging the message to the visitor, with
    ``hooks.react_now``); ``bot_text``: what they should read instead of the body (the
    quick-reply choice a tapped button stands for). ``body_html``: the message's sanitized
    HTML, beside its text (email).

    A message with an ``external_id`` already stored for its channel is returned as is:
    a redelivered webhook or mail creates nothing twice.
    """
    msg_kind = MessageKind(kind)
    body = body.strip()
    if not body and not uploads:
        raise ValidationFailed("Pesan kosong.", fields={"body": ["Wajib diisi."]})
    if actor is not None and actor.is_customer and msg_kind != MessageKind.INBOUND:
        raise PermissionDenied("Pelanggan hanya dapat mengirim pesan.")
    for upload in uploads:
        check_size(upload.filename, len(upload.content))
    channel = channel or (Channel.PORTAL if actor and actor.is_customer else ticket.channel)
    if external_id:
        existing = Message.objects.filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            return existing
    ticket = _lock(ticket)
    if ticket.status == S.CLOSED and msg_kind != MessageKind.NOTE:
        raise Conflict(
            f"Tiket {ticket.reference} sudah ditutup. Silakan buat tiket baru untuk masalah ini."
        )
    if msg_kind == MessageKind.REPLY:  # a channel may refuse it (WhatsApp's 24-hour window)
        hooks.publish(hooks.ReplyPosting(ticket=ticket, channel=channel, attachments=len(uploads)))
    try:
        with transaction.atomic():
            message = _message_create(
                ticket,
                actor,
                msg_kind,
                body,
                channel,
                external_id,
                created_at,
                handle_seconds,
                body_html=body_html,
            )
    except IntegrityError:
        return Message.objects.get(channel=channel, external_id=external_id)
    if chatbot and msg_kind == MessageKind.INBOUND and (bot_text or body):
        hooks.publish(
            hooks.CustomerWrote(ticket_id=ticket.pk, channel=channel, text=bot_text or body)
        )
    known_attachments(message, [attachment_store(message=message, upload=u) for u in uploads])
    _next_response_clock(ticket, message)
    if msg_kind == MessageKind.INBOUND and ticket.status == S.WAITING_CUSTOMER:
        _set_status(ticket, actor, S.IN_PROGRESS, "Pelanggan membalas.")
    elif msg_kind == MessageKind.INBOUND and ticket.status == S.RESOLVED:
        # Automation "re-open when the customer replies": the problem is not over for them.
        _set_status(ticket, actor, S.IN_PROGRESS, "Pelanggan membalas setelah tiket selesai.")
    index_message(ticket.pk, msg_kind, body)
    hooks.publish(
        hooks.MessageAdded(
            ticket_id=ticket.pk,
            message_id=message.pk,
            kind=msg_kind,
            channel=channel,
            text=body,
        )
    )
    return message


def _next_response_clock(ticket: Ticket, message: Message) -> None:
    """A customer message after the first response starts the next-response clock, if
    it is not already running (a public reply stops it: ``_message_create``)."""
    if (
        message.kind == MessageKind.INBOUND
        and ticket.first_responded_at is not None
        and ticket.next_response_due_at is None
        and ticket.is_open
    ):
        due = sla_book.current().next_response_due(
            ticket.sla_policy_id, ticket.priority, message.created_at
        )
        if due is not None:
            _touch(ticket, next_response_due_at=due)


# --- proposals ------------------------------------------------------------------------------

PROPOSAL_STATUSES_FOR_TICKET = frozenset({S.CONFIRMED, S.IN_PROGRESS, S.WAITING_CUSTOMER})


def _lock_proposal(proposal: Proposal) -> tuple[Proposal, Ticket]:
    ticket = _lock(proposal.ticket)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    proposal.ticket = ticket
    return proposal, ticket


def _offer(ticket: Ticket, actor: User) -> None:
    if ticket.status != S.WAITING_CUSTOMER:
        _set_status(ticket, actor, S.WAITING_CUSTOMER, "Usulan solusi ditawarkan.")
    else:
        _touch(ticket)


def _resume(ticket: Ticket, actor: User, reason: str) -> None:
    """Back to work after the customer answered; the ticket may already be in progress
    (the customer wrote a message after the offer, which resumed it)."""
    if ticket.status != S.IN_PROGRESS:
        _set_status(ticket, actor, S.IN_PROGRESS, reason)
    else:
        _touch(ticket)


@transaction.atomic
def proposal_create(
    *,
    actor: User,
    ticket: Ticket,
    summary: str,
    compensation_type: str = CompensationType.NONE,
    compensation_amount: int = 0,
) -> Proposal:
    """Offer a solution. On *kompleks* tickets it waits for a supervisor's approval."""
    require_staff(actor)
    summary = summary.strip()
    _choice(compensation_type, CompensationType.values, "compensation_type")
    errors: dict[str, list[str]] = {}
    if not summary:
        errors["summary"] = ["Wajib diisi."]
    if compensation_amount < 0:
        errors["compensation_amount"] = ["Tidak boleh negatif."]
    if compensation_type in (CompensationType.NONE,) and compensation_amount:
        errors["compensation_amount"] = ["Isi jenis kompensasi bila ada nilainya."]
    if compensation_type in (CompensationType.REFUND, CompensationType.VOUCHER) and not (
        compensation_amount
    ):
        errors["compensation_amount"] = ["Nilai pengembalian dana/voucher wajib diisi."]
    if errors:
        raise ValidationFailed("Usulan solusi belum lengkap.", fields=errors)
    ticket = _lock(ticket)
    if ticket.status not in PROPOSAL_STATUSES_FOR_TICKET:
        raise TransitionNotAllowed(
            "Usulan solusi hanya dapat dibuat setelah masalah dikonfirmasi ke pelanggan "
            "dan sebelum tiket selesai."
        )
    if ticket.proposals.filter(status__in=OPEN_PROPOSAL_STATUSES).exists():
        raise Conflict("Masih ada usulan yang belum dijawab. Tarik dulu usulan itu.")
    rejected = (
        ticket.proposals.filter(status=ProposalStatus.REJECTED, alternative__isnull=True)
        .order_by("-id")
        .first()
    )
    needs_approval = ticket.severity == Severity.KOMPLEKS
    proposal = Proposal.objects.create(
        ticket=ticket,
        summary=summary,
        compensation_type=compensation_type,
        compensation_amount=compensation_amount,
        status=ProposalStatus.PENDING_APPROVAL if needs_approval else ProposalStatus.OFFERED,
        requires_approval=needs_approval,
        alternative_to=rejected,
        created_by=actor,
    )
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_CREATED, public=not needs_approval)
    if needs_approval:
        _touch(ticket)
        if ticket.status == S.CONFIRMED:
            _set_status(ticket, actor, S.IN_PROGRESS, "Usulan menunggu persetujuan supervisor.")
    else:
        _offer(ticket, actor)
    return proposal


@transaction.atomic
def proposal_approve(*, actor: User, proposal: Proposal) -> Proposal:
    proposal, ticket = _lock_proposal(proposal)
    require_supervisor_for(actor, ticket)
    if proposal.status != ProposalStatus.PENDING_APPROVAL:
        raise TransitionNotAllowed("Usulan ini tidak sedang menunggu persetujuan.")
    proposal.status = ProposalStatus.OFFERED
    proposal.approved_by = actor
    proposal.approved_at = timezone.now()
    proposal.save(update_fields=["status", "approved_by", "approved_at"])
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_APPROVED, public=True)
    _decided(proposal, "approved")
    _offer(ticket, actor)
    return proposal


def _decided(proposal: Proposal, decision: str) -> None:
    hooks.publish(
        hooks.ProposalDecided(
            proposal_id=proposal.pk, ticket_id=proposal.ticket_id, decision=decision
        )
    )


def _answer_check(actor: User, proposal: Proposal) -> None:
    if proposal.status != ProposalStatus.OFFERED:
        raise TransitionNotAllowed(
            "Usulan ini tidak sedang ditawarkan kepada pelanggan "
            f"(status: {proposal.get_status_display()})."
        )


@transaction.atomic
def proposal_accept(*, actor: User, proposal: Proposal) -> Proposal:
    """The customer accepts (themselves, or recorded by an agent, e.g. on the phone)."""
    proposal, ticket = _lock_proposal(proposal)
    _answer_check(actor, proposal)
    proposal.status = ProposalStatus.ACCEPTED
    proposal.answered_at = timezone.now()
    proposal.save(update_fields=["status", "answered_at"])
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_ACCEPTED, public=True)
    _decided(proposal, "accepted")
    _resume(ticket, actor, "Pelanggan menerima usulan solusi.")
    return proposal


@transaction.atomic
def proposal_reject(*, actor: User, proposal: Proposal, reason: str) -> Proposal:
    """A rejection reopens the work: the next proposal is recorded as the alternative."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "Sebutkan alasan penolakan agar kami dapat menawarkan solusi alternatif.",
            fields={"reason": ["Wajib diisi."]},
        )
    proposal, ticket = _lock_proposal(proposal)
    _answer_check(actor, proposal)
    proposal.status = ProposalStatus.REJECTED
    proposal.answered_at = timezone.now()
    proposal.rejection_reason = reason
    proposal.save(update_fields=["status", "answered_at", "rejection_reason"])
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_REJECTED, public=True, reason=reason)
    _decided(proposal, "rejected")
    _resume(ticket, actor, "Pelanggan menolak usulan; siapkan alternatif.")
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: User, proposal: Proposal, reason: str = "") -> Proposal:
    require_staff(actor)
    proposal, ticket = _lock_proposal(proposal)
    if proposal.status not in OPEN_PROPOSAL_STATUSES:
        raise TransitionNotAllowed("Hanya usulan yang belum dijawab yang dapat ditarik.")
    was_offered = proposal.status == ProposalStatus.OFFERED
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.save(update_fields=["status"])
    events.proposal_event(
        proposal, actor, EventKind.PROPOSAL_WITHDRAWN, public=was_offered, reason=reason
    )
    _decided(proposal, "withdrawn")
    if ticket.status == S.WAITING_CUSTOMER:
        _set_status(ticket, actor, S.IN_PROGRESS, "Usulan ditarik.")
    else:
        _touch(ticket)
    return proposal


# --- resolution and closing ----------------------------------------------------------------


@transaction.atomic
def ticket_resolve(*, actor: User, ticket: Ticket, reason: str = "") -> Ticket:
    """Selesaikan. A complaint needs an accepted proposal or a recorded reason."""
    require_staff(actor)
    ticket = _lock(ticket)
    reason = reason.strip()
    if ticket.kind == Kind.COMPLAINT:
        accepted = ticket.proposals.filter(status=ProposalStatus.ACCEPTED).exists()
        if not accepted and not reason:
            raise TransitionNotAllowed(
                "Keluhan hanya dapat diselesaikan dengan usulan yang diterima pelanggan "
                "atau dengan alasan yang dicatat."
            )
    if ticket.proposals.filter(status__in=OPEN_PROPOSAL_STATUSES).exists():
        raise TransitionNotAllowed("Masih ada usulan yang belum dijawab pelanggan.")
    if ticket.status in (S.CONFIRMED,):
        _set_status(ticket, actor, S.IN_PROGRESS)
    _set_status(ticket, actor, S.RESOLVED, reason)
    if reason:
        _touch(ticket, resolution_reason=reason)
    return ticket


@transaction.atomic
def ticket_close(*, actor: User, ticket: Ticket, thanks: str = "", reason: str = "") -> Ticket:
    """Thank the customer (a public reply) and close. Unresolved tickets need a reason."""
    require_staff(actor)
    ticket = _lock(ticket)
    thanks = thanks.strip()
    if thanks:
        _message_create(ticket, actor, MessageKind.REPLY, thanks, ticket.channel)
    _set_status(ticket, actor, S.CLOSED, reason.strip())
    # An offer nobody answered cannot outlive the ticket.
    for proposal in ticket.proposals.select_for_update().filter(status__in=OPEN_PROPOSAL_STATUSES):
        was_offered = proposal.status == ProposalStatus.OFFERED
        proposal.status = ProposalStatus.WITHDRAWN
        proposal.save(update_fields=["status"])
        events.proposal_event(
            proposal,
            actor,
            EventKind.PROPOSAL_WITHDRAWN,
            public=was_offered,
            reason="Tiket ditutup.",
        )
    if thanks:
        index_ticket(ticket.pk)
    return ticket


@transaction.atomic
def ticket_escalate(*, actor: User, ticket: Ticket, reason: str) -> Ticket:
    """Escalate by hand, one level up the configured chain (``tickets.escalation``)."""
    require_staff(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Sebutkan alasan eskalasi.", fields={"reason": ["Wajib diisi."]})
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise Conflict(f"Tiket {ticket.reference} sudah selesai atau ditutup.")
    step = escalation.next_step(ticket.escalation_level)
    if step is None:
        raise Conflict(f"Tiket {ticket.reference} sudah di tingkat eskalasi tertinggi.")
    level = step.level
    to = escalation.recipients(ticket, step)
    _touch(ticket, escalation_level=level)
    events.sla_event(
        ticket,
        EventKind.ESCALATED,
        actor=actor,
        data={"level": level, "to": to, "reason": reason, "manual": True},
    )
    escalation.reassign(ticket, step, to, actor, f"Eskalasi tingkat {level}: {reason}")
    notify_many(
        [
            (
                u,
                ticket.pk,
                NotificationKind.ESCALATED,
                f"Tiket {ticket.reference} dieskalasi: {reason}",
            )
            for u in to
            if u != actor.pk
        ]
    )
    return ticket


@transaction.atomic
def ticket_reopen(*, actor: User, ticket: Ticket, reason: str) -> Ticket:
    require_staff(actor)
    if not reason.strip():
        raise ValidationFailed("Sebutkan alasan membuka kembali.", fields={"reason": ["Wajib."]})
    ticket = _lock(ticket)
    _set_status(ticket, actor, S.IN_PROGRESS, reason.strip())
    return ticket


# --- time-based automations (run by the worker: tickets/automations.py) --------------------


@transaction.atomic
def ticket_auto_close(*, ticket: Ticket, reason: str) -> bool:
    """Close a resolved ticket nobody reopened. False when it changed in the meantime."""
    ticket = _lock(ticket)
    if ticket.status != S.RESOLVED:
        return False
    _set_status(ticket, None, S.CLOSED, reason)
    return True


@transaction.atomic
def ticket_remind_customer(*, ticket: Ticket, body: str, before: datetime) -> bool:
    """Remind a customer we are waiting for (once per wait). False when not due."""
    ticket = _lock(ticket)
    paused = ticket.sla_paused_at
    if (
        ticket.status != S.WAITING_CUSTOMER
        or ticket.customer_reminded_at is not None
        or paused is None
        or paused > before
    ):
        return False
    _message_create(ticket, None, MessageKind.REPLY, body, ticket.channel)
    _touch(ticket, customer_reminded_at=timezone.now())
    index_ticket(ticket.pk)
    return True
