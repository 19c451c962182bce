"""The hand-computed month shared by the metric and report tests (see test_formulas)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.surveys.models import Survey
from sigap.tickets import services
from sigap.tickets.models import Ticket

WIB = ZoneInfo("Asia/Jakarta")


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-{day}T{hhmm}:00").replace(tzinfo=WIB)


def step(moment: datetime, fn: object, **kw: object) -> object:
    with time_machine.travel(moment, tick=False):
        return fn(**kw)  # type: ignore[operator]


class Story:
    def __init__(self, agent: User, team: Team) -> None:
        self.agent, self.team = agent, team

    def open(self, customer: Customer, when: datetime, due: datetime) -> Ticket:
        ticket = step(
            when,
            services.ticket_create,
            actor=self.agent,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject="Pesanan",
            description="Pesanan saya di mana?",
            team=self.team,
            assignee=self.agent,
        )
        assert isinstance(ticket, Ticket)
        Ticket.objects.filter(pk=ticket.pk).update(resolution_due_at=due)
        return ticket

    def reply(self, t: Ticket, when: datetime, handle: int | None = None) -> None:
        step(
            when,
            services.message_add,
            actor=self.agent,
            ticket=t,
            kind="reply",
            body="Sedang kami cek.",
            handle_seconds=handle,
        )

    def inbound(self, t: Ticket, when: datetime) -> None:
        step(when, services.message_add, actor=None, ticket=t, kind="inbound", body="Bagaimana?")

    def resolve(self, t: Ticket, when: datetime) -> None:
        t = Ticket.objects.get(pk=t.pk)
        if t.status == "new":
            step(when, services.ticket_transition, actor=self.agent, ticket=t, to="in_progress")
        step(when, services.ticket_resolve, actor=self.agent, ticket=t, reason="Selesai.")


@pytest.fixture
def march(
    agent: User, team: Team, other_team: Team, customer: Customer, other_customer: Customer
) -> dict[str, Ticket]:
    s = Story(agent, team)
    a, b = customer, other_customer
    t5 = s.open(a, at("02-25", "09:00"), due=at("02-27", "09:00"))
    s.reply(t5, at("02-25", "10:00"))
    s.resolve(t5, at("03-01", "09:00"))
    t1 = s.open(a, at("03-02", "09:00"), due=at("03-03", "09:00"))
    s.reply(t1, at("03-02", "10:00"), handle=300)
    s.resolve(t1, at("03-02", "12:00"))
    t6 = s.open(a, at("03-06", "09:00"), due=at("03-07", "09:00"))
    s.reply(t6, at("03-06", "09:10"), handle=120)
    s.resolve(t6, at("03-06", "10:00"))
    t2 = s.open(b, at("03-03", "09:00"), due=at("03-04", "08:00"))
    s.reply(t2, at("03-03", "09:30"), handle=600)
    s.inbound(t2, at("03-03", "10:00"))
    s.reply(t2, at("03-03", "11:00"))
    s.resolve(t2, at("03-04", "09:00"))
    s.inbound(t2, at("03-05", "08:00"))  # the customer's reply reopens it
    s.resolve(t2, at("03-05", "12:00"))
    t3 = s.open(b, at("03-20", "09:00"), due=at("03-21", "09:00"))
    step(
        at("03-20", "10:00"),
        services.ticket_transfer,
        actor=agent,
        ticket=Ticket.objects.get(pk=t3.pk),
        team=other_team,
        reason="Salah tim",
    )
    s.reply(t3, at("03-20", "11:00"))
    s.resolve(t3, at("03-20", "15:00"))
    t4 = s.open(b, at("03-25", "09:00"), due=at("03-26", "09:00"))
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6}


def surveys(march: dict[str, Ticket], customer: Customer) -> None:
    when = at("03-15", "10:00")
    common = {"customer": customer, "sent_via": "email", "sent_at": when, "expires_at": when}
    for csat, ces, scale in [(5, 4, 5), (4, 2, 5), (2, None, 5), (3, 6, 7)]:
        Survey.objects.create(kind="resolution", csat=csat, ces=ces, ces_scale=scale,
                              answered_at=when, **common)  # fmt: skip
    for score in (10, 9, 9, 7, 3):
        Survey.objects.create(kind="nps", nps=score, answered_at=when, **common)
    Survey.objects.create(kind="nps", nps=0, answered_at=at("04-02", "10:00"), **common)
    Survey.objects.create(kind="resolution", **common)  # never answered
