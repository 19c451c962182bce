"""Turn the demo content into a working help desk: staff, teams, customers and a few
hundred tickets in every state of the procedure, each driven through the real services so
its timeline is exactly what agents would have produced.

The clock is moved along each ticket's story (``_clock``) so the history spreads over the
last weeks instead of happening in one second.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any
from unittest import mock

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from sigap.accounts.models import Role, Team, User
from sigap.accounts.services import team_create, user_create
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.demo import content
from sigap.kb.services import load_articles
from sigap.metrics import sync as metric_sync
from sigap.surveys.models import Survey, SurveyKind
from sigap.tickets import services
from sigap.tickets.models import Kind, Severity, Status, Ticket
from sigap.triage import service as triage

DEMO_PASSWORD = "sigap-demo"
PORTAL_CUSTOMERS = 8

# Share of tickets per final state (the rest of the procedure is replayed to get there).
STATE_WEIGHTS: list[tuple[str, int]] = [
    ("new", 10),
    ("recorded", 6),
    ("confirmed", 6),
    ("pending_approval", 4),
    ("in_progress", 10),
    ("waiting_customer", 10),
    ("resolved", 14),
    ("closed", 40),
]
OPEN_STATES = {
    "new",
    "recorded",
    "confirmed",
    "pending_approval",
    "in_progress",
    "waiting_customer",
}


def field(obj: Any, name: str) -> Any:
    """Read a content entry whether it is a mapping or a dataclass."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


@dataclass
class DemoWorld:
    staff: dict[str, User]
    teams: dict[str, Team]
    customers: list[Customer]
    logins: list[tuple[str, str, str]]
    members: dict[str, list[User]]


class _Clock:
    """A clock that only moves forward, and never past the real present."""

    def __init__(self, start: datetime, limit: datetime) -> None:
        self.now = start
        self.limit = limit

    def __call__(self) -> datetime:
        return self.now

    def advance(self, rng: random.Random, low_minutes: int, high_minutes: int) -> None:
        step = timedelta(minutes=rng.randint(low_minutes, high_minutes))
        self.now = min(self.now + step, self.limit)


@contextmanager
def _clock(start: datetime, limit: datetime) -> Iterator[_Clock]:
    clock = _Clock(start, limit)
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


def demo_exists() -> bool:
    return Team.objects.filter(slug__in=[t[0] for t in content.TEAMS]).exists()


def _create_staff() -> tuple[dict[str, User], dict[str, Team], list[tuple[str, str, str]]]:
    staff: dict[str, User] = {}
    logins: list[tuple[str, str, str]] = []
    for person in content.STAFF:
        full = field(person, "full_name")
        first, _, last = full.partition(" ")
        user = user_create(
            username=field(person, "username"),
            password=DEMO_PASSWORD,
            role=Role(field(person, "role")),
            first_name=first,
            last_name=last,
            email=f"{field(person, 'username')}@belanjaku.contoh.id",
        )
        staff[user.username] = user
        logins.append((str(user.get_role_display()), user.username, DEMO_PASSWORD))
    teams: dict[str, Team] = {}
    for slug, name in content.TEAMS:
        members = [
            staff[field(p, "username")]
            for p in content.STAFF
            if slug in field(p, "teams") and field(p, "role") == "agent"
        ]
        supervisor = next(
            staff[field(p, "username")]
            for p in content.STAFF
            if slug in field(p, "teams") and field(p, "role") == "supervisor"
        )
        teams[slug] = team_create(name=name, slug=slug, supervisor=supervisor, members=members)
    return staff, teams, logins


def _create_customers(rng: random.Random) -> tuple[list[Customer], list[tuple[str, str, str]]]:
    customers: list[Customer] = []
    logins: list[tuple[str, str, str]] = []
    for index, entry in enumerate(content.CUSTOMERS):
        contacts = []
        email = field(entry, "email")
        phone = field(entry, "phone")
        if email:
            contacts.append(ContactIn("email", email, is_primary=True))
        if phone:
            contacts.append(ContactIn("phone", phone, is_primary=not email))
            if rng.random() < 0.7:
                contacts.append(ContactIn("whatsapp", phone))
        user = None
        if email and len(logins) < PORTAL_CUSTOMERS and index % 3 == 0:
            user = user_create(
                username=email, password=DEMO_PASSWORD, role=Role.CUSTOMER, email=email
            )
            logins.append(("Pelanggan", email, DEMO_PASSWORD))
        notes = field(entry, "notes") or ""
        city = field(entry, "city")
        if city:
            notes = f"Domisili: {city}. {notes}".strip()
        customers.append(
            customer_create(
                name=field(entry, "name"),
                kind=field(entry, "kind"),
                temperament=field(entry, "temperament"),
                loyalty_tier=field(entry, "loyalty_tier"),
                notes=notes,
                contacts=contacts,
                user=user,
            )
        )
    return customers, logins


def _pick_state(rng: random.Random, scenario: Any) -> str:
    states, weights = zip(*STATE_WEIGHTS, strict=True)
    state: str = rng.choices(states, weights)[0]
    kind = field(scenario, "kind")
    if state == "pending_approval" and field(scenario, "severity") != Severity.KOMPLEKS:
        state = "in_progress"
    if kind != Kind.COMPLAINT and state in {"confirmed", "pending_approval", "waiting_customer"}:
        state = "in_progress"
    return state


def _team_agent(rng: random.Random, world: DemoWorld, team: Team) -> User:
    return rng.choice(world.members[team.slug])


def _start_time(rng: random.Random, state: str, now: datetime) -> datetime:
    """Open work is recent, as in a real queue; finished work spreads over three months."""
    if state in OPEN_STATES:
        return now - timedelta(hours=rng.uniform(0.2, 24 * 6))
    return now - timedelta(days=rng.uniform(8, 90))


def _drive(
    rng: random.Random, world: DemoWorld, scenario: Any, customer: Customer, now: datetime
) -> Ticket:
    state = _pick_state(rng, scenario)
    start = _start_time(rng, state, now)
    team = world.teams[field(scenario, "team")]
    agent = _team_agent(rng, world, team)
    supervisor = team.supervisor
    assert supervisor is not None
    channels = field(scenario, "channels")
    channel = rng.choice(channels)
    kind = field(scenario, "kind")
    with _clock(start, timezone.now()) as clock:
        creator = customer.user if channel == "portal" and customer.user else agent
        unassigned = state == "new" and rng.random() < 0.5
        ticket = services.ticket_create(
            actor=creator,
            customer=customer,
            kind=kind,
            channel=channel,
            subject=field(scenario, "subject"),
            description=field(scenario, "description"),
            category=field(scenario, "category") or "",
            severity=field(scenario, "severity") or "",
            team=None if unassigned and rng.random() < 0.4 else team,
            assignee=None if unassigned else agent,
            tags=field(scenario, "tags") or [],
            complainer_type=field(scenario, "complainer_type") or "",
            complainer_goal=field(scenario, "complainer_goal") or "",
            response_type=field(scenario, "response_type") or "",
            root_cause=field(scenario, "root_cause") or "",
        )
        if state == "new":
            return ticket
        if ticket.assignee is None:
            ticket = services.ticket_update(
                actor=agent,
                ticket=ticket,
                version=ticket.version,
                changes={"team": team, "assignee": agent},
            )
        clock.advance(rng, 3, 90)
        ticket = services.ticket_record(actor=agent, ticket=ticket, facts=field(scenario, "facts"))
        if state == "recorded":
            return ticket
        clock.advance(rng, 2, 30)
        replies = list(field(scenario, "replies") or [])
        followups = list(field(scenario, "followups") or [])
        notes = list(field(scenario, "notes") or [])
        if kind == Kind.COMPLAINT:
            if rng.random() < 0.15:
                services.ticket_confirm(
                    actor=agent,
                    ticket=ticket,
                    restatement=field(scenario, "restatement"),
                    customer_confirmed=False,
                    customer_response="Bukan begitu kak, maksud saya masalahnya sejak awal.",
                )
                clock.advance(rng, 5, 60)
            services.ticket_confirm(
                actor=agent,
                ticket=ticket,
                restatement=field(scenario, "restatement"),
                customer_confirmed=True,
                customer_response=rng.choice(content.CONFIRMATION_ANSWERS),
            )
            ticket.refresh_from_db()
            if state == "confirmed":
                return ticket
            apology = field(scenario, "apology")
            if apology:
                clock.advance(rng, 1, 20)
                services.apology_create(actor=agent, ticket=ticket, parts=dict(apology))
        else:
            ticket = services.ticket_transition(actor=agent, ticket=ticket, to=Status.IN_PROGRESS)
        for note in notes:
            clock.advance(rng, 10, 240)
            services.message_add(actor=agent, ticket=ticket, kind="note", body=note)
        if replies:
            clock.advance(rng, 5, 120)
            services.message_add(actor=agent, ticket=ticket, kind="reply", body=replies.pop(0))
        if followups:
            clock.advance(rng, 10, 600)
            services.message_add(actor=None, ticket=ticket, kind="inbound", body=followups.pop(0))
        ticket.refresh_from_db()
        proposals = list(field(scenario, "proposals") or [])
        accepted = False
        for index, spec in enumerate(proposals):
            clock.advance(rng, 30, 600)
            proposal = services.proposal_create(
                actor=agent,
                ticket=ticket,
                summary=field(spec, "summary"),
                compensation_type=field(spec, "compensation_type"),
                compensation_amount=field(spec, "amount") or 0,
            )
            if proposal.requires_approval:
                if state == "pending_approval":
                    return _refreshed(ticket)
                clock.advance(rng, 30, 480)
                proposal = services.proposal_approve(actor=supervisor, proposal=proposal)
            last = index == len(proposals) - 1
            if state == "waiting_customer" and last:
                return _refreshed(ticket)
            clock.advance(rng, 30, 1440)
            if not last:
                reason = (
                    field(scenario, "rejection_reason") or "Saya belum setuju dengan solusi ini."
                )
                services.proposal_reject(actor=agent, proposal=proposal, reason=reason)
            else:
                services.proposal_accept(actor=customer.user or agent, proposal=proposal)
                accepted = True
        for body in followups:
            clock.advance(rng, 10, 300)
            services.message_add(actor=None, ticket=ticket, kind="inbound", body=body)
        for body in replies:
            clock.advance(rng, 5, 120)
            services.message_add(actor=agent, ticket=ticket, kind="reply", body=body)
        ticket.refresh_from_db()
        if state in ("in_progress", "waiting_customer"):
            if state == "waiting_customer" and ticket.status == Status.IN_PROGRESS:
                ticket = services.ticket_transition(
                    actor=agent,
                    ticket=ticket,
                    to=Status.WAITING_CUSTOMER,
                    reason="Menunggu data tambahan dari pelanggan.",
                )
            return ticket
        clock.advance(rng, 60, 2880)
        reason = ""
        if kind == Kind.COMPLAINT and not accepted:
            reason = rng.choice(content.RESOLUTION_REASONS)
        elif kind != Kind.COMPLAINT:
            reason = "Pertanyaan/permintaan sudah dijawab dan dikonfirmasi pelanggan."
        ticket = services.ticket_resolve(actor=agent, ticket=ticket, reason=reason)
        if state == "resolved":
            return ticket
        clock.advance(rng, 60, 4320)
        thanks = rng.choice(content.THANKS_MESSAGES)
        return services.ticket_close(actor=agent, ticket=ticket, thanks=thanks)


def _refreshed(ticket: Ticket) -> Ticket:
    ticket.refresh_from_db()
    return ticket


def load_demo(*, tickets: int = 320, seed: int = 2026) -> DemoWorld:
    rng = random.Random(seed)
    with transaction.atomic():
        staff, teams, staff_logins = _create_staff()
        customers, customer_logins = _create_customers(rng)
    members = {
        slug: list(team.members.filter(role=Role.AGENT).order_by("username"))
        for slug, team in teams.items()
    }
    world = DemoWorld(staff, teams, customers, staff_logins + customer_logins, members)
    now = timezone.now()
    scenarios = list(content.SCENARIOS)
    # The demo's surveys are made below, with answers; none are mailed while loading.
    with override_settings(SIGAP_SURVEYS=False, SIGAP_TRIAGE=False):
        for index in range(tickets):
            scenario = scenarios[index % len(scenarios)]
            customer = rng.choice(customers)
            with transaction.atomic():
                _drive(rng, world, scenario, customer, now)
    _answered_surveys(rng, now)
    # triage every demo ticket now (the worker would do it one by one after each commit);
    # the metrics facts are rebuilt once below rather than refreshed after each ticket
    triage.ensure_models()
    for ticket_id in Ticket.objects.order_by("pk").values_list("pk", flat=True):
        triage.triage_ticket(ticket_id, refresh_metrics=False)
    load_articles(str(resources.files("sigap.demo") / "kb_articles.json"))
    metric_sync.rebuild()  # the dashboard and reports have their facts at once
    return world


def _answered_surveys(rng: random.Random, now: datetime) -> None:
    """Most resolved tickets got a survey and most customers answered it; a third of the
    customers answered the NPS question."""
    rows = []
    resolved = Ticket.objects.filter(resolved_at__isnull=False).select_related("customer")
    for ticket in resolved:
        assert ticket.resolved_at is not None
        if rng.random() > 0.75:
            continue
        sent = ticket.resolved_at + timedelta(minutes=5)
        csat = rng.choices([1, 2, 3, 4, 5], [4, 6, 12, 38, 40])[0]
        answered = rng.random() < 0.8
        rows.append(
            Survey(
                kind=SurveyKind.RESOLUTION,
                customer=ticket.customer,
                ticket=ticket,
                agent_id=ticket.assignee_id,
                team_id=ticket.team_id,
                channel=ticket.channel,
                category=ticket.category,
                tier=ticket.customer.loyalty_tier,
                sent_via="email",
                sent_at=sent,
                expires_at=sent + timedelta(days=14),
                csat=csat if answered else None,
                ces=(min(5, max(1, csat + rng.choice([-1, 0, 0, 1]))) if answered else None),
                comment=rng.choice(content.SURVEY_COMMENTS["good" if csat >= 4 else "bad"])
                if answered
                else "",
                answered_at=min(now, sent + timedelta(hours=rng.uniform(0.2, 30)))
                if answered
                else None,
            )
        )
    for customer in Customer.objects.all():
        if rng.random() > 0.35:
            continue
        sent = now - timedelta(days=rng.uniform(1, 40))
        rows.append(
            Survey(
                kind=SurveyKind.NPS,
                customer=customer,
                tier=customer.loyalty_tier,
                sent_via="email",
                sent_at=sent,
                expires_at=sent + timedelta(days=14),
                nps=rng.choices(range(11), [1, 1, 1, 2, 2, 3, 5, 10, 20, 27, 28])[0],
                comment=rng.choice(content.SURVEY_COMMENTS["nps"]),
                answered_at=sent + timedelta(hours=rng.uniform(0.5, 20)),
            )
        )
    Survey.objects.bulk_create(rows)
