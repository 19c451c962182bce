"""The ticket page as a workbench: the current step's form under "Langkah berikutnya",
only the status changes allowed now, "Kirim + ubah status", the classification panel,
assignment with the agents' load, the warning about messages that arrived while the agent
was writing, the landing after a transfer out of sight, and the copy."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.accounts.services import user_create
from sigap.core.errors import SigapError
from sigap.customers.models import Customer
from sigap.tickets import selectors, services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import EventKind, Kind, Message, Proposal, Status, Ticket
from sigap.tickets.transitions import moves
from sigap.triage.models import Example, TicketTriage
from sigap.web.tests.pages import ticket_html

pytestmark = pytest.mark.django_db


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def page(c: Client, ticket: Ticket) -> str:
    """The page with the parts it loads (the side column) and every workbench form."""
    return ticket_html(c, ticket.pk)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def to_confirmed(agent: User, ticket: Ticket) -> None:
    services.ticket_record(actor=agent, ticket=fresh(ticket), facts="Resi BLJ-2026-104233.")
    services.ticket_confirm(
        actor=agent,
        ticket=fresh(ticket),
        restatement="Paket belum sampai.",
        customer_confirmed=True,
    )


def options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select, select_id
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def current_step(html: str) -> str:
    found = re.search(r'<details id="(\w+)"[^>]*data-current-step', html)
    return found.group(1) if found else ""


# 1. The current step's form right under "Langkah berikutnya", the stepper marks it.


def test_the_current_steps_form_sits_under_the_next_step(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    html = page(c, ticket)
    assert current_step(html) == "record"
    assert '<a href="#record" data-goto-step="record">Simak keluhannya' in html
    next_step, form, timeline = (
        html.index("data-next-step"),
        html.index('id="form-record"'),
        html.index('id="timeline-h"'),
    )
    assert next_step < form < timeline  # in the main column, before the kronologi
    assert re.search(r'<li class=" current" aria-current="step">.*Simak</li>', html)
    # the other steps stay reachable, collapsed
    assert re.search(r'<details id="confirm" class="step-form">', html)

    to_confirmed(agent, ticket)
    html = page(c, ticket)
    assert current_step(html) == "apology"  # DOMAIN.md: apologise first (5 R)
    assert re.search(r'<li class=" current" aria-current="step">.*Selesaikan</li>', html)
    assert html.count('aria-current="step"') == 1
    c.post(f"/tickets/{ticket.pk}/apology/", dict.fromkeys(services.APOLOGY_PARTS, "Isi."))
    assert current_step(page(c, ticket)) == "proposal"
    services.proposal_create(actor=agent, ticket=fresh(ticket), summary="Kirim ulang hari ini")
    html = page(c, ticket)
    assert current_step(html) == ""  # the customer has the ball
    assert "data-goto-step" not in html
    services.proposal_accept(actor=agent, proposal=Proposal.objects.get(ticket=ticket))
    html = page(c, ticket)
    assert current_step(html) == "status"
    assert 'value="resolved" selected' in html
    assert "Pelanggan menerima usulan: tandai tiket selesai." in html


def test_the_live_fragment_keeps_the_workbench_as_typed(agent: User, ticket: Ticket) -> None:
    html = logged(agent).get(f"/tickets/{ticket.pk}/?part=live").content.decode()
    # htmx keeps the element on the page (hx-preserve): a refresh never wipes a form
    assert '<section id="workbench" hx-preserve="true"></section>' in html
    assert 'id="form-record"' not in html


# 2. Only the moves allowed now; a refused one says so once.


class _Undo(Exception):
    pass


def _accepted(actor: User, ticket: Ticket, to: str, reason: str) -> bool:
    try:
        with transaction.atomic():
            services.ticket_transition(actor=actor, ticket=fresh(ticket), to=to, reason=reason)
            raise _Undo
    except _Undo:
        return True
    except SigapError:
        return False


def _check_against_services(actor: User, ticket: Ticket) -> None:
    t = fresh(ticket)
    statuses = set(t.proposals.values_list("status", flat=True))
    offered = {
        m.to: m.needs_reason
        for m in moves(
            kind=t.kind,
            status=t.status,
            accepted_proposal="accepted" in statuses,
            open_proposal=bool(statuses & {"offered", "pending_approval"}),
        )
    }
    for to in Status:
        if to in offered:
            assert _accepted(actor, t, to, "Alasan dicatat."), (t.status, to)
            assert _accepted(actor, t, to, "") is not offered[to], (t.status, to, "reason")
        else:
            assert not _accepted(actor, t, to, "Alasan dicatat."), (t.status, to)


def test_the_moves_offered_are_exactly_what_the_services_accept(
    agent: User, ticket: Ticket, customer: Customer, team: Team
) -> None:
    _check_against_services(agent, ticket)  # new complaint
    services.ticket_record(actor=agent, ticket=fresh(ticket), facts="Fakta")
    _check_against_services(agent, ticket)  # recorded
    services.ticket_confirm(
        actor=agent, ticket=fresh(ticket), restatement="Ulang", customer_confirmed=True
    )
    _check_against_services(agent, ticket)  # confirmed, no proposal
    services.proposal_create(actor=agent, ticket=fresh(ticket), summary="Kirim ulang")
    _check_against_services(agent, ticket)  # waiting, an open offer
    services.proposal_accept(actor=agent, proposal=Proposal.objects.get(ticket=ticket))
    _check_against_services(agent, ticket)  # in progress, accepted
    services.ticket_resolve(actor=agent, ticket=fresh(ticket))
    _check_against_services(agent, ticket)  # resolved
    services.ticket_close(actor=agent, ticket=fresh(ticket))
    _check_against_services(agent, ticket)  # closed
    inquiry = services.ticket_create(
        actor=agent,
        customer=customer,
        kind=Kind.INQUIRY,
        channel="email",
        subject="Cara ganti alamat",
        description="Bisa ganti alamat?",
        team=team,
    )
    _check_against_services(agent, inquiry)


def test_ubah_status_offers_only_what_is_allowed_and_refuses_once(
    agent: User, ticket: Ticket
) -> None:
    c = logged(agent)
    html = page(c, ticket)
    assert 'id="form-status"' not in html  # a new complaint: only Catat (or closing) moves it
    to_confirmed(agent, ticket)
    html = page(c, ticket)
    assert options(html, "status-to") == ["in_progress", "waiting_customer", "resolved"]
    assert "Selesai (wajib alasan)" in html
    response = c.post(f"/tickets/{ticket.pk}/status/", {"to": "resolved", "reason": ""})
    assert response.status_code == 409
    text = response.content.decode()
    refused = "Keluhan hanya dapat diselesaikan dengan usulan yang diterima pelanggan"
    assert text.count(refused) == 1
    assert fresh(ticket).status == "confirmed"


# 3. "Kirim + ubah status" in one action.


def test_send_and_change_status_in_one_submit(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    to_confirmed(agent, ticket)
    html = page(c, ticket)
    # a complaint is resolved only with an accepted proposal (or a reason): not offered here
    assert options(html, "reply-then") == ["", "in_progress", "waiting_customer"]
    r = c.post(
        f"/tickets/{ticket.pk}/reply/",
        {"kind": "reply", "body": "Mohon kirim foto resinya, Kak.", "then": "waiting_customer"},
    )
    assert r.status_code == 302
    assert fresh(ticket).status == "waiting_customer"
    assert Message.objects.filter(ticket=ticket, body="Mohon kirim foto resinya, Kak.").exists()


def test_send_and_change_status_is_one_transaction(agent: User, ticket: Ticket) -> None:
    """The choice: the reply and the status change commit together or not at all. A refused
    change sends nothing; the page shows the text again, with why, once."""
    c = logged(agent)
    to_confirmed(agent, ticket)
    before = Message.objects.filter(ticket=ticket).count()
    upload = SimpleUploadedFile("foto.txt", b"bukti", content_type="text/plain")
    r = c.post(
        f"/tickets/{ticket.pk}/reply/",
        {
            "kind": "reply",
            "body": "Teks yang tidak boleh hilang",
            "then": "resolved",
            "attachments": [upload],
        },
    )
    assert r.status_code == 409
    html = r.content.decode()
    assert "Teks yang tidak boleh hilang" in html
    assert html.count("Pesan belum dikirim: status tiket tidak dapat diubah ke") == 1
    assert Message.objects.filter(ticket=ticket).count() == before
    assert fresh(ticket).status == "confirmed"


# 4. The classification panel.


def test_classifying_goes_through_the_services_and_teaches_triage(
    agent: User, ticket: Ticket
) -> None:
    c = logged(agent)
    html = page(c, ticket)
    assert 'id="form-classify"' in html and 'name="customer_version"' in html
    t = fresh(ticket)
    r = c.post(
        f"/tickets/{ticket.pk}/classify/",
        {
            "category": "service",
            "severity": "kompleks",
            "priority": "4",
            "tags": "paket-terlambat, kurir",
            "complainer_type": "active",
            "complainer_goal": "restitution",
            "response_type": "voice",
            "root_cause": "ignored",
            "customer_kind": "intermediary",
            "temperament": "thrifty",
            "version": t.version,
            "customer_version": t.customer.version,
        },
    )
    assert r.status_code == 302
    t = fresh(ticket)
    assert (t.severity, t.priority, t.complainer_type, t.root_cause) == (
        "kompleks",
        4,
        "active",
        "ignored",
    )
    assert sorted(t.tags.values_list("name", flat=True)) == ["kurir", "paket-terlambat"]
    customer = Customer.objects.get(pk=t.customer_id)
    assert (customer.kind, customer.temperament) == ("intermediary", "thrifty")
    changed = set(
        t.events.filter(
            actor=agent, kind__in=[EventKind.FIELD_CHANGED, EventKind.TAGS_CHANGED]
        ).values_list("field", flat=True)
    )
    assert {"severity", "priority", "root_cause", "tags", "customer_kind", "temperament"} <= changed
    # triage.corrections: the agent's severity and root cause are labelled examples
    assert Example.objects.get(ticket=ticket, task="severity").label == "kompleks"
    assert Example.objects.get(ticket=ticket, task="root_cause").label == "ignored"
    html = page(c, ticket)
    assert "Temperamen pelanggan: — → Hemat" in html  # the timeline says it in words


def test_a_classification_from_a_stale_page_is_a_clear_conflict(
    agent: User, supervisor: User, ticket: Ticket
) -> None:
    t = fresh(ticket)
    stale = {"version": t.version, "customer_version": t.customer.version}
    services.ticket_update(actor=supervisor, ticket=t, version=t.version, changes={"priority": 1})
    r = logged(agent).post(
        f"/tickets/{ticket.pk}/classify/",
        {
            "category": "service",
            "severity": "penting",
            "priority": "3",
            "customer_kind": "external",
            **stale,
        },
    )
    assert r.status_code == 409
    assert "sudah diubah orang lain" in r.content.decode()
    t = fresh(ticket)
    assert (t.priority, t.severity) == (1, "sederhana")


def test_an_agent_of_another_team_cannot_classify_or_assign(
    outsider_agent: User, agent: User, ticket: Ticket
) -> None:
    t = fresh(ticket)
    c = logged(outsider_agent)
    r = c.post(
        f"/tickets/{ticket.pk}/classify/",
        {
            "severity": "kompleks",
            "priority": "1",
            "customer_kind": "external",
            "version": t.version,
            "customer_version": t.customer.version,
        },
    )
    assert r.status_code == 404
    r = c.post(
        f"/tickets/{ticket.pk}/assign/", {"assignee": outsider_agent.pk, "version": t.version}
    )
    assert r.status_code == 404
    t = fresh(ticket)
    assert (t.severity, t.assignee_id) == ("sederhana", agent.pk)


# 5. Assignment to a named agent, with their load.


def test_assign_to_a_named_agent_of_the_team_with_their_load(
    agent: User, supervisor: User, outsider_agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    c = logged(agent)
    html = page(c, ticket)
    choices = options(html, "assign-assignee")
    assert str(agent.pk) in choices and str(supervisor.pk) in choices
    assert str(outsider_agent.pk) not in choices  # not in the ticket's team
    assert "Rina (1 tiket terbuka)" in html and "Sari (0 tiket terbuka)" in html
    assert 'id="form-assign-me"' not in html  # already hers; a colleague sees "Tangani saya"
    r = c.post(
        f"/tickets/{ticket.pk}/assign/",
        {"assignee": supervisor.pk, "version": fresh(ticket).version},
    )
    assert r.status_code == 302
    assert fresh(ticket).assignee == supervisor
    html = page(c, ticket)
    assert "Sari (1 tiket terbuka)" in html and 'id="form-assign-me"' in html
    # someone outside the team, posted by hand: refused with the reason
    r = c.post(
        f"/tickets/{ticket.pk}/assign/",
        {"assignee": outsider_agent.pk, "version": fresh(ticket).version},
    )
    assert r.status_code == 422
    assert "bukan anggota tim Pengiriman" in r.content.decode()
    assert fresh(ticket).assignee == supervisor


def test_an_agents_load_is_counted_up_to_the_cap(
    agent: User,
    outsider_agent: User,
    ticket: Ticket,
    customer: Customer,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The count stops at LOAD_CAP (a bounded cost per agent): "99+" beyond it."""
    monkeypatch.setattr(selectors, "LOAD_CAP", 2)
    c = logged(agent)
    assert "Rina (1 tiket terbuka)" in page(c, ticket)
    for i in range(2):
        services.ticket_create(
            actor=agent,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject=f"Tanya {i}",
            description="x",
            team=team,
            assignee=agent,
        )
    loads = {u.pk: n for u, n in selectors.staff_for(fresh(ticket))}
    assert loads[agent.pk] == 2  # three open tickets, counted up to the cap
    assert loads[outsider_agent.pk] is None  # on the staff, not in the ticket's team
    assert "Rina (1+ tiket terbuka)" in page(c, ticket)


# 6. Messages that arrived while the agent was writing.


def test_a_reply_is_not_sent_blindly_over_a_new_customer_message(
    agent: User, ticket: Ticket
) -> None:
    c = logged(agent)
    html = page(c, ticket)
    seen = re.search(r'name="seen" value="(\d+)"', html)
    assert seen
    services.message_add(actor=agent, ticket=fresh(ticket), kind="note", body="Catatan saya")
    services.message_add(
        actor=None, ticket=fresh(ticket), kind="inbound", body="Sudah sampai kok, terima kasih"
    )
    post = {"kind": "reply", "body": "Kami kirim ulang paketnya.", "seen": seen.group(1)}
    r = c.post(f"/tickets/{ticket.pk}/reply/", post)
    assert r.status_code == 409
    html = r.content.decode()
    assert "Sudah sampai kok, terima kasih" in html and "Kirim tetap" in html
    assert "Catatan saya</li>" not in html  # the agent's own note is nothing new
    assert "Kami kirim ulang paketnya." in html  # kept
    assert not Message.objects.filter(body="Kami kirim ulang paketnya.").exists()
    newest = re.search(r'name="seen" value="(\d+)"', html)
    assert newest and int(newest.group(1)) > int(seen.group(1))
    # the second click sends it
    r = c.post(f"/tickets/{ticket.pk}/reply/", {**post, "seen": newest.group(1)})
    assert r.status_code == 302
    assert Message.objects.filter(body="Kami kirim ulang paketnya.").exists()


def test_the_live_part_carries_the_newest_message_of_others(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    services.message_add(actor=agent, ticket=fresh(ticket), kind="reply", body="Balasan saya")
    first = c.get(f"/tickets/{ticket.pk}/?part=live").content.decode()
    inbound = services.message_add(actor=None, ticket=fresh(ticket), kind="inbound", body="Halo")
    second = c.get(f"/tickets/{ticket.pk}/?part=live").content.decode()
    assert f'data-newest-others="{inbound.pk}"' in second
    assert f'data-newest-others="{inbound.pk}"' not in first


# 7. A transfer out of the agent's sight ends in the inbox.


def test_a_transfer_out_of_sight_lands_on_the_inbox(
    agent: User, ticket: Ticket, other_team: Team
) -> None:
    c = logged(agent)
    r = c.post(f"/tickets/{ticket.pk}/transfer/", {"team": other_team.pk, "reason": "Saldo"})
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    html = c.get("/inbox/", follow=True).content.decode()
    assert "Tiket dialihkan ke tim Pembayaran." in html
    assert f"Tiket {ticket.reference} kini di luar antrean Anda." in html
    assert c.get(f"/tickets/{ticket.pk}/").status_code == 404  # as before: not hers any more


# 8. Copy.


def test_the_apology_and_the_canned_names_read_naturally(agent: User, ticket: Ticket) -> None:
    html = page(logged(agent), ticket)
    assert (
        "Terima kasih sudah menyampaikan masalah &quot;Paket belum sampai sejak seminggu&quot; "
        "kepada kami." in html
    )
    assert "bahwa Paket belum sampai" not in html
    assert "Penjelasan: Penjelasan" not in html
    assert '<optgroup label="Penjelasan"><option' in html
    assert ">Penjelasan: sedang diproses</option>" in html
    Ticket.objects.filter(pk=ticket.pk).update(resolution_due_at=None)
    html = page(logged(agent), ticket)
    restitution = re.search(r'id="apology-restitution">(.*?)</textarea>', html, re.S)
    assert restitution and restitution.group(1).strip().endswith("dan segera memberi kabar.")


def test_the_triage_panel_shows_the_tickets_values_and_suggests_apart(
    agent: User, ticket: Ticket
) -> None:
    TicketTriage.objects.create(
        ticket=ticket,
        predictions={
            "severity": {
                "label": "kompleks",
                "confidence": 0.71,
                "words": ["yang", "paket", "dan yang", "tidak sampai"],
            },
            "category": {"label": "service", "confidence": 0.9, "words": []},
            "sentiment": {"label": "negatif", "confidence": 0.8, "words": []},
        },
        applied=["category"],
    )
    html = page(logged(agent), ticket)
    severity = re.search(r'data-triage-task="severity">(.*?)</dd>', html, re.S)
    assert severity
    row = severity.group(1)
    assert "<strong data-triage-current>Sederhana</strong>" in row  # what the header says
    assert "Saran model: Kompleks (yakin 71%)" in row
    assert "paket, tidak sampai" in row and "yang" not in row.replace("tidak sampai", "")
    category = re.search(r'data-triage-task="category">(.*?)</dd>', html, re.S)
    assert category and "Saran model" not in category.group(1)
    assert "sesuai saran model, yakin 90%" in category.group(1)


# The page's queries do not grow with what the ticket holds.


def _page_queries(c: Client, ticket: Ticket) -> dict[str, int]:
    counts = {}
    for name, query in (("page", ""), ("side", "?part=side")):
        with CaptureQueriesContext(connection) as q:
            assert c.get(f"/tickets/{ticket.pk}/{query}").status_code == 200
        counts[name] = len(q.captured_queries)
    return counts


def test_the_workbench_page_query_count_is_constant(
    agent: User, supervisor: User, ticket: Ticket, team: Team
) -> None:
    c = logged(agent)
    services.message_add(actor=agent, ticket=fresh(ticket), kind="reply", body="Balasan pertama")
    services.message_add(actor=agent, ticket=fresh(ticket), kind="note", body="Catatan pertama")
    services.message_add(  # one of each first: an attachment is read once the ticket has one
        actor=None,
        ticket=fresh(ticket),
        kind="inbound",
        body="Pesan pertama",
        uploads=[Upload("a.txt", b"bukti")],
    )
    to_confirmed(agent, ticket)
    first = services.proposal_create(actor=agent, ticket=fresh(ticket), summary="Usulan pertama")
    services.proposal_withdraw(actor=agent, proposal=first)
    page(c, ticket)  # a session's first page records it: not counted
    few = _page_queries(c, ticket)
    for i in range(8):
        services.message_add(
            actor=None,
            ticket=fresh(ticket),
            kind="inbound",
            body=f"Pesan {i}",
            uploads=[Upload(f"b{i}.txt", b"bukti")],
        )
        services.message_add(actor=agent, ticket=fresh(ticket), kind="note", body=f"Catatan {i}")
        t = fresh(ticket)
        services.ticket_update(
            actor=supervisor,
            ticket=t,
            version=t.version,
            changes={"tags": [f"label-{j}" for j in range(i + 1)], "priority": 1 + i % 4},
        )
    for i in range(3):
        proposal = services.proposal_create(
            actor=agent, ticket=fresh(ticket), summary=f"Usulan {i}"
        )
        services.proposal_withdraw(actor=agent, proposal=proposal)
    for i in range(5):
        team.members.add(user_create(username=f"agen{i}", password="rahasia-agen", role="agent"))
    page(c, ticket)  # new staff: the names in memory load again once (accounts.directory)
    many = _page_queries(c, ticket)
    html = page(c, ticket)
    assert "Pesan 7" in html and "label-7" in html and "Usulan 2" in html
    assert "Tampilkan kronologi sebelumnya" in html  # longer than a page now
    assert many == few
    # the first paint: session, user, ticket, messages, proposals, teams, staff names,
    # timeline, canned responses, macros, saved views, notifications, where the proposals'
    # offers went...; the side column, loaded right after it, on its own
    assert many["page"] <= 13, many
    assert many["side"] <= 11, many
