"""Who hears of what happens to a ticket (``tickets/notify.py``): one test per kind, each
saying who is told and who is not (never the one who did it)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils.html import escape

from sigap.accounts.models import Role, Team, User
from sigap.accounts.services import token_create, user_create
from sigap.automations.models import Rule
from sigap.customers.models import Customer
from sigap.notifications.models import Notification, NotificationPreference
from sigap.tickets import hooks, services
from sigap.tickets.models import Proposal, Ticket
from sigap.tickets.tests.steps import drive_to

pytestmark = pytest.mark.django_db


def told(kind: str) -> dict[str, int]:
    """username -> count of the ``kind`` notifications they have."""
    return {
        n.user.username: n.count
        for n in Notification.objects.filter(kind=kind).select_related("user")
    }


@pytest.fixture
def colleague(team: Team) -> User:
    user = user_create(
        username="ayu.agen", password="rahasia-agen", role=Role.AGENT, first_name="Ayu"
    )
    team.members.add(user)
    return user


def test_assignment_tells_the_new_assignee_but_not_who_assigned_themselves(
    agent: User, supervisor: User, colleague: User, ticket: Ticket
) -> None:
    assert told("assigned") == {}  # created by Rina for herself: nobody
    services.ticket_update(
        actor=supervisor, ticket=ticket, version=ticket.version, changes={"assignee": colleague}
    )
    assert told("assigned") == {"ayu.agen": 1}
    n = Notification.objects.get(kind="assigned")
    assert n.ticket_id == ticket.pk and "Sari" in n.text
    ticket.refresh_from_db()
    services.ticket_update(
        actor=agent, ticket=ticket, version=ticket.version, changes={"assignee": agent}
    )
    assert told("assigned") == {"ayu.agen": 1}  # Rina took it herself: no notification


def test_a_ticket_opened_for_a_colleague_tells_them(
    agent: User, colleague: User, team: Team, customer: Customer
) -> None:
    services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="phone",
        subject="Tanya ongkir",
        description="Berapa ongkir ke Bandung?",
        team=team,
        assignee=colleague,
    )
    assert told("assigned") == {"ayu.agen": 1}


def test_transfer_tells_the_new_teams_supervisor_not_the_actor_nor_the_old_owner(
    agent: User,
    supervisor: User,
    other_supervisor: User,
    team: Team,
    other_team: Team,
    outsider_agent: User,
    ticket: Ticket,
) -> None:
    services.ticket_transfer(actor=agent, ticket=ticket, team=other_team, reason="Soal saldo.")
    assert told("transferred") == {"yusuf.spv": 1}  # Rina moved it and was released
    assert "tim" in Notification.objects.get(kind="transferred").text
    ticket.refresh_from_db()
    services.ticket_update(
        actor=other_supervisor,
        ticket=ticket,
        version=ticket.version,
        changes={"assignee": outsider_agent},
    )
    # Back to the first team, with an owner who is a member there too: they hear of it.
    team.members.add(outsider_agent)
    ticket.refresh_from_db()
    services.ticket_transfer(actor=other_supervisor, ticket=ticket, team=team, reason="Balik.")
    assert told("transferred") == {"yusuf.spv": 1, "sari.spv": 1, "dodi.agen": 1}


def kompleks(actor: User, ticket: Ticket) -> Ticket:
    services.ticket_update(
        actor=actor, ticket=ticket, version=ticket.version, changes={"severity": "kompleks"}
    )
    return drive_to(actor, Ticket.objects.get(pk=ticket.pk), "confirmed")


def test_approval_needed_tells_the_teams_supervisor_and_admins_who_asked(
    agent: User, supervisor: User, other_supervisor: User, admin: User, ticket: Ticket
) -> None:
    ticket = kompleks(agent, ticket)
    quiet_admin = user_create(username="adm2", password="rahasia-admin", role=Role.ADMIN)
    NotificationPreference.objects.create(user=admin, kind="approval_needed", in_app=True)
    services.proposal_create(
        actor=agent,
        ticket=ticket,
        summary="Voucher Rp500.000 untuk keterlambatan.",
        compensation_type="voucher",
        compensation_amount=500_000,
    )
    assert told("approval_needed") == {"sari.spv": 1, "admin": 1}  # not Yusuf, not adm2
    assert quiet_admin.pk not in Notification.objects.values_list("user_id", flat=True)
    text = Notification.objects.filter(kind="approval_needed")[0].text
    assert "Rina mengusulkan: Voucher Rp500.000" in text and "kompleks" in text


def test_a_proposal_without_approval_tells_no_supervisor(
    agent: User, supervisor: User, ticket: Ticket
) -> None:
    ticket = drive_to(agent, ticket, "confirmed")  # sederhana
    services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang hari ini.")
    assert told("approval_needed") == {}


def test_decisions_go_to_the_proposer(
    agent: User, supervisor: User, customer_user: User, ticket: Ticket
) -> None:
    ticket = kompleks(agent, ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Ganti barang.")
    services.proposal_approve(actor=supervisor, proposal=proposal)
    n = Notification.objects.get(kind="proposal_decided")
    assert n.user == agent and "disetujui" in n.text and "Sari" in n.text
    services.proposal_reject(
        actor=customer_user, proposal=Proposal.objects.get(pk=proposal.pk), reason="Mau refund."
    )
    n.refresh_from_db()
    assert n.count == 2 and "Pelanggan menolak" in n.text and "Mau refund" in n.text
    # The supervisor's "ask for changes" (approvals), with its note, through the same hook.
    hooks.publish(hooks.ProposalDecided(proposal.pk, ticket.pk, "changes_requested"))
    n.refresh_from_db()
    assert n.count == 3 and "meminta perubahan" in n.text
    hooks.publish(hooks.ProposalDecided(proposal.pk, ticket.pk, "declined"))
    n.refresh_from_db()
    assert n.count == 4 and "Supervisor menolak" in n.text
    hooks.publish(hooks.ProposalDecided(proposal.pk, ticket.pk, "withdrawn"))
    n.refresh_from_db()
    assert n.count == 4  # the proposer's own doing
    # A supervisor's own proposal, approved by themselves: nothing to tell.
    Notification.objects.all().delete()
    proposal2 = services.proposal_create(
        actor=supervisor,
        ticket=Ticket.objects.get(pk=ticket.pk),
        summary="Alternatif: refund penuh.",
    )
    services.proposal_approve(actor=supervisor, proposal=proposal2)
    assert told("proposal_decided") == {}


def test_a_customer_reply_tells_the_assignee_not_others(
    agent: User, supervisor: User, customer_user: User, ticket: Ticket
) -> None:
    services.message_add(actor=customer_user, ticket=ticket, kind="inbound", body="Sudah?")
    services.message_add(actor=supervisor, ticket=ticket, kind="note", body="Cek gudang.")
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sedang dicek, Kak.")
    assert told("customer_replied") == {"rina.agen": 1}
    assert "Sudah?" in Notification.objects.get(kind="customer_replied").text
    # Rina logging what the customer said on the phone is not news to Rina.
    services.message_add(actor=agent, ticket=ticket, kind="inbound", body="(telepon) Oke.")
    assert told("customer_replied") == {"rina.agen": 1}


def test_a_mention_tells_who_may_see_the_ticket_only(
    agent: User, supervisor: User, outsider_agent: User, ticket: Ticket
) -> None:
    services.message_add(
        actor=agent,
        ticket=ticket,
        kind="note",
        body="@sari.spv mohon cek voucher. cc @dodi.agen, @rina.agen dan email a@b.id.",
    )
    assert told("mentioned") == {"sari.spv": 1}  # Dodi may not see it; Rina wrote it
    assert "Rina menyebut Anda" in Notification.objects.get(kind="mentioned").text
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Halo @sari.spv")
    assert told("mentioned") == {"sari.spv": 1}  # only internal notes


def test_the_composer_says_who_was_mentioned_but_not_told(
    agent: User, supervisor: User, outsider_agent: User, ticket: Ticket
) -> None:
    c = Client()
    c.force_login(agent)
    r = c.post(
        f"/tickets/{ticket.pk}/reply/",
        {"kind": "note", "body": "@dodi.agen dan @sari.spv tolong bantu. @siapa"},
        follow=True,
    )
    page = r.content.decode()
    assert "Dodi tidak dapat melihat tiket ini, jadi tidak diberi tahu." in page
    assert "Tidak ada staf bernama @siapa" in page
    assert told("mentioned") == {"sari.spv": 1}


def test_the_api_answers_a_note_with_the_mentions_that_told_nobody(
    agent: User, supervisor: User, outsider_agent: User, ticket: Ticket
) -> None:
    """The same warnings as the composer's (``mentions.warnings``), in the 201's body; the
    colleague who may see the ticket is told as from the web."""
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_create(user=agent)}")
    body = "@dodi.agen dan @sari.spv tolong bantu. @siapa"
    r = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages",
        json.dumps({"kind": "note", "body": body}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["body"] == body and data["kind"] == "note"
    assert data["warnings"] == [
        {
            "code": "mention_not_visible",
            "usernames": ["dodi.agen"],
            "message": "Dodi tidak dapat melihat tiket ini, jadi tidak diberi tahu. "
            "Pindahkan atau tugaskan tiket bila mereka perlu ikut menangani.",
        },
        {
            "code": "mention_unknown",
            "usernames": ["siapa"],
            "message": "Tidak ada staf bernama @siapa; tidak ada yang diberi tahu.",
        },
    ]
    assert told("mentioned") == {"sari.spv": 1}
    # The web composer says the very same words after the same note.
    web = Client()
    web.force_login(agent)
    page = web.post(
        f"/tickets/{ticket.pk}/reply/", {"kind": "note", "body": body}, follow=True
    ).content.decode()
    for warning in data["warnings"]:
        assert escape(warning["message"]) in page
    assert told("mentioned") == {"sari.spv": 2}
    # Every mention reached someone, or no note: no warnings; a client that chose English
    # (the language cookie, as in the web) reads them in English.
    for payload in ({"kind": "note", "body": "@sari.spv cek ya"}, {"body": "Halo @siapa"}):
        r = api.post(
            f"/api/v1/tickets/{ticket.pk}/messages",
            json.dumps(payload),
            content_type="application/json",
        )
        assert r.status_code == 201 and r.json()["warnings"] == []
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages",
        json.dumps({"kind": "note", "body": "@siapa?"}),
        content_type="application/json",
    )
    assert (
        r.json()["warnings"][0]["message"]
        == "No staff member is called @siapa; nobody was notified."
    )


def test_the_api_documents_the_mention_warnings() -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    created = doc["paths"]["/api/v1/tickets/{ticket_id}/messages"]["post"]["responses"]["201"]
    ref = created["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    schemas = doc["components"]["schemas"]
    warnings = schemas[ref]["properties"]["warnings"]
    assert "tidak memberi tahu siapa pun" in warnings["description"]
    item = schemas[warnings["items"]["$ref"].rsplit("/", 1)[-1]]
    assert set(item["properties"]["code"]["enum"]) == {"mention_not_visible", "mention_unknown"}
    assert set(item["required"]) == {"code", "usernames", "message"}


def test_mention_suggestions_list_only_staff_who_may_see_the_ticket(
    agent: User,
    supervisor: User,
    outsider_agent: User,
    admin: User,
    colleague: User,
    ticket: Ticket,
    django_assert_max_num_queries: Any,
) -> None:
    c = Client()
    c.force_login(agent)
    with django_assert_max_num_queries(12):
        data = c.get(f"/tickets/{ticket.pk}/mentions/").json()
    names = {u["username"] for u in data["users"]}
    assert names == {"rina.agen", "ayu.agen", "sari.spv", "admin"}  # not Dodi, not the system
    assert [
        u["username"] for u in c.get(f"/tickets/{ticket.pk}/mentions/?q=ay").json()["users"]
    ] == ["ayu.agen"]
    outsider = Client()
    outsider.force_login(outsider_agent)
    assert outsider.get(f"/tickets/{ticket.pk}/mentions/").status_code == 404


def test_44_escalations_of_one_ticket_make_one_entry_and_one_email(
    agent: User,
    supervisor: User,
    customer_user: User,
    ticket: Ticket,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The finding: a rule that notifies the supervisor on every message of a busy chat
    left 44 identical "Eskalasi" rows in a minute, without subject or customer."""
    supervisor.email = "sari@belanjaku.contoh.id"
    supervisor.save()
    Rule.objects.create(
        name="Pelanggan marah",
        trigger="message_received",
        conditions={},
        actions=[{"type": "notify_supervisor"}],
    )
    for i in range(44):
        with django_capture_on_commit_callbacks(execute=True):
            services.message_add(
                actor=customer_user, ticket=ticket, kind="inbound", body=f"Halo? {i}"
            )
    rows = Notification.objects.filter(user=supervisor, kind="escalated")
    assert [r.count for r in rows] == [44]
    assert len(mail.outbox) == 1  # escalations are mailed by default, once
    message = mail.outbox[0]
    assert ticket.reference in message.subject and "Paket belum sampai" in message.subject
    assert "Pelanggan: Budi Santoso" in message.body and f"/tickets/{ticket.pk}/" in message.body
    c = Client()
    c.force_login(supervisor)
    page = c.get("/notifikasi/").content.decode()
    assert page.count('data-kind="escalated"') == 1
    assert "44×" in page and "Paket belum sampai sejak seminggu" in page and "Budi Santoso" in page
