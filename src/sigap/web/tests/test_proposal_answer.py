"""The customer's answer an agent heard (phone, walk-in, a message) recorded on the ticket
page: who said what, when; errors shown once with the input kept; another team's agent
cannot record it; after a rejection, "Ajukan alternatif" and the guidance lead to the
alternative, linked to the rejected proposal."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sigap.accounts.models import User
from sigap.tickets import services
from sigap.tickets.models import EventKind, Proposal, ProposalStatus, Status, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def phone_ticket(agent: User, team: Any, customer: Any) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="phone",
        subject="Tagihan listrik dobel",
        description="Pelanggan menelepon: tagihan bulan ini tertagih dua kali.",
        severity="sederhana",
        team=team,
        assignee=agent,
    )


@pytest.fixture
def offered(agent: User, phone_ticket: Ticket) -> Proposal:
    services.ticket_record(actor=agent, ticket=phone_ticket, facts="Tertagih dua kali.")
    services.ticket_confirm(
        actor=agent,
        ticket=Ticket.objects.get(pk=phone_ticket.pk),
        restatement="Tagihan tertagih dua kali.",
        customer_confirmed=True,
    )
    return services.proposal_create(
        actor=agent,
        ticket=Ticket.objects.get(pk=phone_ticket.pk),
        summary="Kelebihan tagihan dikembalikan ke rekening dalam 3 hari kerja.",
        compensation_type="refund",
        compensation_amount=125_000,
    )


def url(ticket_id: int) -> str:
    return f"/tickets/{ticket_id}/proposal-answer/"


def test_a_phone_ticket_offers_the_answer_form_beside_the_written_follow_up(
    agent: User, offered: Proposal
) -> None:
    # the phone carries nothing: the offer went to Budi's email (the follow-up channel),
    # and the agent may still record what he says on the phone
    (reply,) = offered.ticket.messages.filter(kind="reply")
    assert reply.channel == "email"
    html = logged(agent).get(f"/tickets/{offered.ticket_id}/").content.decode()
    assert "Usulan dikirim lewat Email ke budi@contoh.id" in html
    assert f'data-proposal-answer="{offered.pk}"' in html
    assert "Catat jawaban pelanggan" in html
    assert '<option value="phone" selected>' in html  # the ticket's channel first
    now = timezone.localtime()  # the business's time zone, to the minute
    shown = re.search(r'name="said_at" value="(\d{4}-\d\d-\d\dT\d\d:\d\d)"', html)
    assert shown is not None
    assert abs((datetime.fromisoformat(shown[1]) - now.replace(tzinfo=None)).total_seconds()) < 120


def test_the_agent_records_an_acceptance_said_on_the_phone(agent: User, offered: Proposal) -> None:
    said = timezone.localtime() - timedelta(minutes=3)  # offered a moment before
    response = logged(agent).post(
        url(offered.ticket_id),
        {
            "proposal": offered.pk,
            "answer": "accepted",
            "via": "phone",
            "words": "Ya, saya setuju dananya dikembalikan.",
            "said_at": said.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == ProposalStatus.ACCEPTED
    assert abs((offered.answered_at - said).total_seconds()) < 60
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_ACCEPTED)
    assert event.actor == agent and event.public
    assert event.data["answered_by"] == "customer" and event.data["recorded_by"] == agent.pk
    assert event.data["words"] == "Ya, saya setuju dananya dikembalikan."
    assert Ticket.objects.get(pk=offered.ticket_id).status == Status.IN_PROGRESS
    html = logged(agent).get(f"/tickets/{offered.ticket_id}/").content.decode()
    assert "Pelanggan (dicatat oleh Rina)" in html
    assert "Lewat: telepon" in html
    assert "Kata pelanggan: “Ya, saya setuju dananya dikembalikan.”" in html
    assert f"pukul {said:%H.%M}" in html
    # resolving is allowed now: the procedure's rule (an accepted proposal)
    services.ticket_resolve(actor=agent, ticket=Ticket.objects.get(pk=offered.ticket_id))
    assert Ticket.objects.get(pk=offered.ticket_id).status == Status.RESOLVED


def test_missing_words_are_refused_once_and_what_was_typed_is_kept(
    agent: User, offered: Proposal
) -> None:
    response = logged(agent).post(
        url(offered.ticket_id),
        {"proposal": offered.pk, "answer": "rejected", "via": "in_person", "words": ""},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count("Tuliskan apa yang dikatakan pelanggan.") == 1
    assert 'value="rejected" checked' in html and '<option value="in_person" selected>' in html
    assert '<details class="proposal-answer" id="proposal-answer-' in html and " open>" in html
    assert Proposal.objects.get(pk=offered.pk).status == ProposalStatus.OFFERED


def test_a_time_in_the_future_is_refused(agent: User, offered: Proposal) -> None:
    later = timezone.localtime() + timedelta(hours=2)
    response = logged(agent).post(
        url(offered.ticket_id),
        {
            "proposal": offered.pk,
            "answer": "accepted",
            "via": "phone",
            "words": "Setuju.",
            "said_at": later.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count("Waktu tidak boleh di masa depan.") == 1
    assert "Setuju.</textarea>" in html
    assert Proposal.objects.get(pk=offered.pk).status == ProposalStatus.OFFERED


def test_an_answered_proposal_cannot_be_answered_again(agent: User, offered: Proposal) -> None:
    data = {"proposal": offered.pk, "answer": "accepted", "via": "phone", "words": "Setuju."}
    assert logged(agent).post(url(offered.ticket_id), data).status_code == 302
    again = logged(agent).post(url(offered.ticket_id), data | {"answer": "rejected"})
    assert again.status_code == 409
    assert again.content.decode().count("tidak sedang ditawarkan") == 1
    assert Proposal.objects.get(pk=offered.pk).status == ProposalStatus.ACCEPTED


def test_an_agent_of_another_team_cannot_record_an_answer(
    outsider_agent: User, offered: Proposal, customer_user: User
) -> None:
    data = {"proposal": offered.pk, "answer": "accepted", "via": "phone", "words": "Setuju."}
    assert logged(outsider_agent).post(url(offered.ticket_id), data).status_code == 404
    # a customer is sent to their portal; a stranger must sign in
    assert logged(customer_user).post(url(offered.ticket_id), data).status_code == 302
    assert Client().post(url(offered.ticket_id), data).status_code == 302
    assert Proposal.objects.get(pk=offered.pk).status == ProposalStatus.OFFERED


def test_a_proposal_of_another_ticket_cannot_be_answered_through_this_one(
    agent: User, offered: Proposal, ticket: Ticket
) -> None:
    data = {"proposal": offered.pk, "answer": "accepted", "via": "phone", "words": "Setuju."}
    assert logged(agent).post(url(ticket.pk), data).status_code == 404
    assert Proposal.objects.get(pk=offered.pk).status == ProposalStatus.OFFERED


def test_a_rejection_leads_to_the_alternative(agent: User, offered: Proposal) -> None:
    c = logged(agent)
    data = {
        "proposal": offered.pk,
        "answer": "rejected",
        "via": "phone",
        "words": "Saya mau dikembalikan hari ini juga, bukan 3 hari.",
    }
    assert c.post(url(offered.ticket_id), data).status_code == 302
    offered.refresh_from_db()
    assert offered.rejection_reason == "Saya mau dikembalikan hari ini juga, bukan 3 hari."
    html = c.get(f"/tickets/{offered.ticket_id}/").content.decode()
    assert "Pelanggan menolak usulan: ajukan solusi alternatif (win-win)" in html
    assert f'data-alternative="{offered.pk}"' in html and "Ajukan alternatif" in html
    prefilled = c.get(f"/tickets/{offered.ticket_id}/?alternatif={offered.pk}").content.decode()
    assert '<details id="proposal" class="step-form current" open data-current-step>' in prefilled
    assert "Kelebihan tagihan dikembalikan ke rekening dalam 3 hari kerja.</textarea>" in prefilled
    created = c.post(
        f"/tickets/{offered.ticket_id}/proposal/",
        {
            "summary": "Dana dikembalikan hari ini juga.",
            "compensation_type": "refund",
            "compensation_amount": "125000",
        },
    )
    assert created.status_code == 302
    alternative = Proposal.objects.exclude(pk=offered.pk).get()
    assert alternative.alternative_to == offered
    html = c.get(f"/tickets/{offered.ticket_id}/").content.decode()
    assert 'data-alternative="' not in html  # answered by the alternative


def test_the_ticket_page_with_proposals_costs_the_same_queries(
    agent: User, offered: Proposal
) -> None:
    c = logged(agent)
    c.get(f"/tickets/{offered.ticket_id}/")
    with CaptureQueriesContext(connection) as one:
        c.get(f"/tickets/{offered.ticket_id}/")
    for i in range(4):
        proposal = Proposal.objects.filter(status=ProposalStatus.OFFERED).get()
        services.proposal_answer(
            proposal=proposal, accepted=False, via="phone", words=f"Tidak {i}", recorded_by=agent
        )
        services.proposal_create(
            actor=agent,
            ticket=Ticket.objects.get(pk=offered.ticket_id),
            summary=f"Alternatif {i}",
        )
    c.get(f"/tickets/{offered.ticket_id}/")  # the answers notified the agent: menu read again
    with CaptureQueriesContext(connection) as many:
        c.get(f"/tickets/{offered.ticket_id}/")
    assert len(many.captured_queries) == len(one.captured_queries)
