"""What Sigap writes to a customer is in the customer's language (their preferred one,
else Indonesian), whoever's request writes it: the acknowledgement, a proposal's offer and
its answer buttons, the survey question on WhatsApp or Telegram, the merge notice."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from sigap.accounts.models import Team, User
from sigap.connectors import proposals
from sigap.customers.models import Customer
from sigap.surveys import quickreply
from sigap.surveys.models import Survey
from sigap.tickets import services
from sigap.tickets.models import Message, Ticket
from sigap.tickets.tests.steps import drive_to

pytestmark = pytest.mark.django_db


def _ticket(customer: Customer, agent: User, team: Team, subject: str) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject=subject,
        description="Kardus penyok, isi pecah.",
        severity="sederhana",
        team=team,
        assignee=agent,
    )


@pytest.mark.parametrize(("language", "hello"), [("en", "Hello Budi"), ("", "Halo Kak Budi")])
def test_the_acknowledgement_speaks_the_customers_language(
    customer: Customer, customer_user: User, settings: Any, language: str, hello: str
) -> None:
    settings.SIGAP_AUTO_ACK = True
    customer.preferred_language = language
    customer.save(update_fields=["preferred_language"])
    with translation.override("id" if language == "en" else "en"):  # the request's other one
        ticket = services.ticket_create(
            actor=customer_user,
            customer=customer,
            kind="complaint",
            channel="portal",
            subject="Paket rusak",
            description="Kardus penyok.",
        )
    ack = Message.objects.get(ticket=ticket, kind="reply", author=None)
    assert ack.body.startswith(hello)
    assert ticket.reference in ack.body


def test_an_offer_and_its_buttons_in_english_for_an_english_customer(
    customer: Customer, agent: User, team: Team
) -> None:
    customer.preferred_language = "en"
    customer.save(update_fields=["preferred_language"])
    ticket = drive_to(agent, _ticket(customer, agent, team, "Paket rusak"), "confirmed")
    proposal = services.proposal_create(
        actor=agent,
        ticket=ticket,
        summary="Kami kirim ulang barangnya.",
        compensation_type="voucher",
        compensation_amount=50_000,
    )
    text = proposals.offer_text(proposal)  # the agent's request is Indonesian
    assert text.startswith(
        f"Hello Budi, here is our proposed resolution for ticket {ticket.reference}"
    )
    assert "Compensation: Shopping voucher IDR 50,000" in text
    assert text.endswith("Do you accept this proposal?")
    assert [o.label for o in proposals.answer_options(proposal)] == ["Accept proposal", "Decline"]
    proposal.ticket.customer.preferred_language = ""
    with translation.override("en"):  # an English agent: still Indonesian for this customer
        text = proposals.offer_text(proposal)
    assert text.startswith("Halo Budi, berikut usulan penyelesaian kami")
    assert "Voucher belanja Rp 50.000" in text


def test_the_survey_question_in_the_customers_language(
    customer: Customer, agent: User, team: Team
) -> None:
    customer.preferred_language = "en"
    customer.save(update_fields=["preferred_language"])
    ticket = _ticket(customer, agent, team, "Paket rusak")
    survey = Survey(customer=customer, ticket=ticket, ces_scale=5)
    with translation.override(customer.language):
        question = quickreply._question(survey, quickreply.CSAT)
        labels = [title for _n, title in quickreply._options(survey, quickreply.CSAT)]
    assert question.startswith(f"Hello Budi, we have resolved ticket {ticket.reference}.")
    assert labels[0] == "1 – Very dissatisfied" and labels[-1] == "5 – Very satisfied"


def test_the_merge_notice_in_the_customers_language(
    customer: Customer, agent: User, team: Team
) -> None:
    customer.preferred_language = "en"
    customer.save(update_fields=["preferred_language"])
    first = _ticket(customer, agent, team, "Paket rusak")
    second = _ticket(customer, agent, team, "Paket rusak lagi")
    notice = services.merge_notice(second, first)
    assert notice.startswith("Hello Budi,")
    assert f"is now handled together with ticket {first.reference}" in notice
