"""The portal in the customer's words: statuses and steps said plainly, whose move it
is, a missed deadline acknowledged once with an apology and a new estimate, and the
formal escalation (teguran resmi) the customer may make once a deadline has passed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import User
from sigap.notifications.models import Notification, NotificationKind
from sigap.tickets import services
from sigap.tickets.models import EventKind, MissedDeadline, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db

# The staff's words a customer must not read on their own ticket page.
JARGON = ("Baru (Simak)", "Tercatat", "Terkonfirmasi", "Simak", "→", "Kolom diubah")


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def page(c: Client, ticket: Ticket) -> str:
    response = c.get(f"/portal/tiket/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def past_resolution(ticket: Ticket) -> time_machine.travel:
    ticket.refresh_from_db()
    assert ticket.resolution_due_at is not None
    return time_machine.travel(ticket.resolution_due_at + timedelta(hours=2), tick=False)


def walk_to_confirmed(agent: User, ticket: Ticket) -> None:
    services.ticket_record(actor=agent, ticket=ticket, facts="Resi JNE 0123, tertahan.")
    services.ticket_confirm(
        actor=agent, ticket=ticket, restatement="Paket belum sampai.", customer_confirmed=True
    )


def test_the_ticket_page_speaks_the_customers_language(
    customer_user: User, agent: User, ticket: Ticket
) -> None:
    walk_to_confirmed(agent, ticket)
    c = logged(customer_user)
    html = page(c, ticket)
    listed = c.get("/portal/").content.decode()
    for word in JARGON:
        assert word not in html, word
        assert word not in listed, word
    assert "Sedang kami pelajari" in listed and "Giliran kami" in listed
    assert "Sedang kami pelajari" in html  # the status (recorded and confirmed alike)
    assert 'data-owner="us"' in html and "Giliran kami" in html
    assert "Tiket Anda kami terima" in html  # the created event, in their words
    assert "Kami memastikan pemahaman kami" in html
    assert "Anda membenarkan pemahaman kami." in html


def test_the_ticket_page_in_english_says_the_same_plainly(
    customer_user: User, agent: User, ticket: Ticket
) -> None:
    from django.conf import settings

    walk_to_confirmed(agent, ticket)
    c = logged(customer_user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with past_resolution(ticket):
        html = page(c, ticket)
    for english in (
        "We are looking into it",
        "Our move",
        "We are sorry: we missed the deadline we promised",
        "New estimate:",
        "Sorry, we missed the deadline",
        "Make a formal complaint",
        "We checked that we understood you",
    ):
        assert english in html, english
    for indonesian in ("Sedang kami pelajari", "Giliran kami", "Mohon maaf", "Teguran"):
        assert indonesian not in html, indonesian


def test_a_proposal_waiting_is_the_customers_move_and_said_unambiguously(
    customer_user: User, agent: User, ticket: Ticket
) -> None:
    walk_to_confirmed(agent, ticket)
    proposal = services.proposal_create(
        actor=agent, ticket=ticket, summary="Kirim ulang hari ini.", compensation_type="none"
    )
    c = logged(customer_user)
    html = page(c, ticket)
    assert 'data-owner="you"' in html and "Giliran Anda" in html
    assert "Menunggu jawaban Anda" in html
    response = c.post(f"/portal/usulan/{proposal.pk}/accept/", follow=True)
    html = response.content.decode()
    assert "Anda menyetujui usulan kami" in html
    assert "usulan Anda terima" not in html
    assert "Sudah Anda setujui" in html


def test_a_missed_deadline_is_acknowledged_once_with_a_new_estimate(
    customer_user: User, agent: User, ticket: Ticket
) -> None:
    walk_to_confirmed(agent, ticket)
    c = logged(customer_user)
    assert "data-overdue" not in page(c, ticket)
    assert not MissedDeadline.objects.exists()
    with past_resolution(ticket):
        first = page(c, ticket)
        page(c, ticket)  # seen again: nothing more written
        c.get(f"/portal/tiket/{ticket.pk}/?part=live")
        home = c.get("/portal/").content.decode()
    assert "data-overdue" in first and "Mohon maaf, kami melewati tenggat" in first
    assert "Perkiraan baru:" in first
    miss = MissedDeadline.objects.get(ticket=ticket)
    assert miss.deadline == ticket.resolution_due_at and miss.target == "resolution"
    assert miss.new_estimate > miss.acknowledged_at
    apologies = TimelineEvent.objects.filter(ticket=ticket, kind=EventKind.OVERDUE_APOLOGY)
    assert apologies.count() == 1
    event = apologies.get()
    assert event.public and event.data["deadline"] == ticket.resolution_due_at.isoformat()
    assert "Maaf, kami melewati tenggat" in first  # on the timeline too
    assert "Maaf, kami melewati tenggat</strong> · Kami ·" in first  # said by us, not "Sistem"
    assert "Perkiraan baru:" in home  # the list shows the new estimate, not the old date

    # the new estimate passes too: a second miss, a second apology
    with time_machine.travel(miss.new_estimate + timedelta(minutes=5), tick=False):
        page(c, ticket)
        page(c, ticket)
    assert MissedDeadline.objects.filter(ticket=ticket).count() == 2
    assert apologies.count() == 2
    assert MissedDeadline.objects.filter(ticket=ticket, target="estimate").count() == 1


def test_nothing_is_acknowledged_while_the_ticket_waits_for_the_customer(
    customer_user: User, agent: User, ticket: Ticket
) -> None:
    walk_to_confirmed(agent, ticket)
    services.proposal_create(
        actor=agent, ticket=ticket, summary="Kirim ulang hari ini.", compensation_type="none"
    )
    with past_resolution(ticket):
        html = page(logged(customer_user), ticket)
    assert "data-overdue" not in html and not MissedDeadline.objects.exists()


def test_a_formal_escalation_is_refused_before_the_deadline(
    customer_user: User, supervisor: User, agent: User, ticket: Ticket
) -> None:
    c = logged(customer_user)
    assert 'id="escalate"' not in page(c, ticket)
    response = c.post(f"/portal/tiket/{ticket.pk}/teguran/", {"words": "Lama sekali!"})
    assert response.status_code == 409
    assert "setelah tenggat yang kami janjikan terlewat" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0
    assert not TimelineEvent.objects.filter(
        ticket=ticket, kind__in=[EventKind.ESCALATED, EventKind.FORMAL_ESCALATION]
    ).exists()
    assert not Notification.objects.filter(user=supervisor).exists()


def test_a_formal_escalation_after_the_deadline_reaches_the_supervisor_once(
    customer_user: User, supervisor: User, agent: User, ticket: Ticket
) -> None:
    walk_to_confirmed(agent, ticket)
    c = logged(customer_user)
    words = "Sudah lewat tenggat dan belum ada kabar. Saya minta ditangani atasan."
    with past_resolution(ticket):
        assert 'id="escalate"' in page(c, ticket)
        empty = c.post(f"/portal/tiket/{ticket.pk}/teguran/", {"words": "  "})
        assert empty.status_code == 422 and not Notification.objects.exists()
        response = c.post(f"/portal/tiket/{ticket.pk}/teguran/", {"words": words})
        assert response.status_code == 302
        html = page(c, ticket)
        again = c.post(f"/portal/tiket/{ticket.pk}/teguran/", {"words": "Lagi!"})
    assert 'id="escalate"' not in html and "data-escalated" in html
    assert "Teguran resmi Anda" in html and words in html
    assert again.status_code == 409
    assert "sudah mengajukan teguran resmi" in again.content.decode()
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    escalated = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert escalated.data["formal"] is True and escalated.data["to"] == [supervisor.pk]
    assert escalated.data["reason"] == words and not escalated.public
    formal = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.FORMAL_ESCALATION)
    assert formal.public and formal.data["words"] == words and formal.actor == customer_user
    note = Notification.objects.get(user=supervisor)
    assert note.kind == NotificationKind.ESCALATED and words[:40] in note.text
    assert MissedDeadline.objects.get(ticket=ticket).escalation_words == words
    # the agent's page shows the customer's words too
    staff = Client()
    staff.force_login(supervisor)
    assert words in staff.get(f"/tickets/{ticket.pk}/").content.decode()


def test_another_customers_ticket_is_a_404_for_every_portal_action(
    customer_user: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    c = logged(customer_user)
    other_ticket.refresh_from_db()
    assert other_ticket.resolution_due_at is not None
    with past_resolution(other_ticket):
        assert c.get(f"/portal/tiket/{other_ticket.pk}/").status_code == 404
        response = c.post(f"/portal/tiket/{other_ticket.pk}/teguran/", {"words": "Halo"})
        assert response.status_code == 404
    assert not MissedDeadline.objects.exists()
    assert not TimelineEvent.objects.filter(
        ticket=other_ticket, kind__in=[EventKind.ESCALATED, EventKind.FORMAL_ESCALATION]
    ).exists()


def test_the_service_refuses_staff_and_other_customers(
    agent: User, other_customer_user: User, ticket: Ticket
) -> None:
    from sigap.core.errors import PermissionDenied

    with past_resolution(ticket):
        for actor in (agent, other_customer_user):
            with pytest.raises(PermissionDenied):
                services.formal_escalation_create(actor=actor, ticket=ticket, words="Halo")
    assert not TimelineEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED).exists()


def test_the_ticket_page_reads_a_constant_number_of_queries(
    customer_user: User, agent: User, ticket: Ticket, django_assert_max_num_queries: object
) -> None:
    walk_to_confirmed(agent, ticket)
    for i in range(8):
        services.message_add(
            actor=agent, ticket=ticket, kind="reply", body=f"Balasan {i}", channel="whatsapp"
        )
    for i in range(4):  # more tickets on the list: still the same number of queries
        services.ticket_create(
            actor=agent,
            customer=ticket.customer,
            kind="complaint",
            channel="portal",
            subject=f"Keluhan {i}",
            description="Isi.",
        )
    c = logged(customer_user)
    with past_resolution(ticket):
        page(c, ticket)  # the acknowledgement written
        with django_assert_max_num_queries(10):  # type: ignore[operator]
            page(c, ticket)
        with django_assert_max_num_queries(7):  # type: ignore[operator]
            assert c.get("/portal/").status_code == 200
    assert timezone.now()
