"""Macros: a canned response that also sets status, tags, owner or team. Made in the
settings; applied on the ticket page in one action through the services (each change on
the timeline); a refused change undoes everything and keeps the typed reply."""

from __future__ import annotations

import pytest
from django.test import Client

from sigap.accounts.models import Team, User
from sigap.accounts.services import user_create
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import CannedResponse, Message, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def working(agent: User, team: Team, customer: Customer) -> Ticket:
    t = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="email",
        subject="Cara retur barang",
        description="Bagaimana cara retur?",
        team=team,
    )
    return services.ticket_transition(actor=agent, ticket=t, to="in_progress")


def macro(**kw: object) -> CannedResponse:
    return CannedResponse.objects.create(
        title="Minta nomor resi", body="Halo {nama_depan}, mohon kirim nomor resi.", **kw
    )


def test_a_supervisor_makes_a_macro_in_the_settings(
    supervisor: User, agent: User, team: Team
) -> None:
    c = logged(supervisor)
    data = {
        "title": "Tunggu resi",
        "purpose": "other",
        "team": str(team.pk),
        "body": "Mohon kirim nomor resi.",
        "active": "on",
        "set_status": "waiting_customer",
        "add_tags": "butuh-resi, vip",
        "set_assignee": str(agent.pk),
    }
    assert c.post("/settings/canned/", {**data, "add_tags": "bukan label!"}).status_code == 422
    assert c.post("/settings/canned/", data).status_code == 302
    made = CannedResponse.objects.get(title="Tunggu resi")
    assert made.is_macro and made.tags_to_add == ["butuh-resi", "vip"]
    assert made.set_assignee == agent and made.set_status == "waiting_customer"
    assert "Menunggu pelanggan" in c.get("/settings/canned/").content.decode()


def test_the_ticket_page_offers_macros(agent: User, working: Ticket) -> None:
    m = macro(set_status="waiting_customer")
    macro_free = CannedResponse.objects.create(title="Salam", body="Halo")
    html = logged(agent).get(f"/tickets/{working.pk}/").content.decode()
    assert "Terapkan makro" in html
    assert f'<option value="{m.pk}"' in html
    assert f'<option value="{macro_free.pk}" >' not in html.split('id="macro-select"')[1]


def test_applying_a_macro_replies_and_changes_the_ticket_through_the_services(
    agent: User, supervisor: User, working: Ticket
) -> None:
    colleague = user_create(username="tono.agen", password="x-rahasia-1", role="agent")
    working.team.members.add(colleague)  # type: ignore[union-attr]
    m = macro(set_status="waiting_customer", add_tags="butuh-resi", set_assignee=colleague)
    before = TimelineEvent.objects.filter(ticket=working).count()
    response = logged(agent).post(
        f"/tickets/{working.pk}/macro/",
        {"macro": m.pk, "kind": "reply", "body": "Halo Budi, mohon kirim nomor resinya."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    t = Ticket.objects.get(pk=working.pk)
    assert t.status == "waiting_customer" and t.assignee == colleague
    assert list(t.tags.values_list("name", flat=True)) == ["butuh-resi"]
    reply = Message.objects.get(ticket=t, kind="reply")
    assert reply.body == "Halo Budi, mohon kirim nomor resinya." and reply.author == agent
    kinds = set(
        TimelineEvent.objects.filter(ticket=t)
        .order_by("pk")[before:]
        .values_list("kind", flat=True)
    )
    assert {"reply_sent", "status_changed", "assigned", "tags_changed"} <= kinds
    status_event = TimelineEvent.objects.filter(ticket=t, kind="status_changed").last()
    assert status_event is not None and status_event.actor == agent
    assert "Minta nomor resi" in str(status_event.data)  # the reason names the macro


def test_an_empty_composer_sends_the_macros_own_text(agent: User, working: Ticket) -> None:
    m = macro(add_tags="resi")
    logged(agent).post(f"/tickets/{working.pk}/macro/", {"macro": m.pk, "kind": "reply"})
    assert Message.objects.get(ticket=working, kind="reply").body == (
        "Halo Budi, mohon kirim nomor resi."
    )


def test_a_refused_change_undoes_the_macro_and_keeps_the_typed_reply(
    agent: User, ticket: Ticket
) -> None:
    # A new complaint cannot be resolved yet: the procedure refuses the status.
    m = macro(set_status="resolved", add_tags="selesai")
    typed = "Ini balasan yang saya ketik dengan susah payah."
    response = logged(agent).post(
        f"/tickets/{ticket.pk}/macro/", {"macro": m.pk, "kind": "reply", "body": typed}
    )
    html = response.content.decode()
    assert response.status_code in (409, 422)
    assert typed in html
    assert "tidak diterapkan, tidak ada yang berubah" in html
    assert html.count("tidak diterapkan, tidak ada yang berubah") == 1  # shown once
    assert not Message.objects.filter(ticket=ticket, kind="reply").exists()
    assert "selesai" not in ticket.tags.values_list("name", flat=True)
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_macros_follow_who_may_see_the_ticket(
    outsider_agent: User, agent: User, working: Ticket, other_team: Team
) -> None:
    m = macro(add_tags="x")
    response = logged(outsider_agent).post(
        f"/tickets/{working.pk}/macro/", {"macro": m.pk, "kind": "reply", "body": "hai"}
    )
    assert response.status_code == 404
    theirs = macro(add_tags="y", team=other_team)  # another team's macro: not offered
    response = logged(agent).post(
        f"/tickets/{working.pk}/macro/", {"macro": theirs.pk, "kind": "reply", "body": "hai"}
    )
    assert response.status_code == 422
    assert "Pilih makro yang akan diterapkan." in response.content.decode()
    assert "hai" in response.content.decode()
    assert not Message.objects.filter(ticket=working, kind="reply").exists()
