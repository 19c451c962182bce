"""Surveys: invited once after resolution on the customer's channel, one tap answers,
signed links that expire, a quiet interval per customer, NPS rounds, automations."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import Team, User
from sigap.automations.models import Rule
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.surveys import services
from sigap.surveys.models import Survey
from sigap.tickets import services as tickets
from sigap.tickets.models import Ticket


def resolve(agent: User, ticket: Ticket) -> Ticket:
    tickets.ticket_record(actor=agent, ticket=ticket, facts="Paket rusak")
    tickets.ticket_confirm(actor=agent, ticket=ticket, restatement="Ulang", customer_confirmed=True)
    tickets.ticket_transition(actor=agent, ticket=ticket, to="in_progress")
    tickets.ticket_resolve(actor=agent, ticket=ticket, reason="Barang diganti.")
    return Ticket.objects.get(pk=ticket.pk)


def new_ticket(agent: User, customer: Customer, team: Team) -> Ticket:
    return tickets.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Paket rusak",
        description="Isi paket pecah.",
        team=team,
        assignee=agent,
    )


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+/survei/(\S+?)/\?skor=(\d+)", body)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_resolving_a_ticket_emails_one_survey_and_a_tap_answers_it(
    agent: User, supervisor: User, ticket: Ticket, customer: Customer
) -> None:
    mail.outbox.clear()
    resolve(agent, ticket)
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.kind, survey.sent_via, survey.agent, survey.team_id) == (
        "resolution",
        "email",
        agent,
        ticket.team_id,
    )
    (sent,) = [m for m in mail.outbox if "Bagaimana layanan kami" in m.subject]
    assert sent.to == ["budi@contoh.id"] and ticket.reference in sent.subject
    taps = links_in(sent.body)
    assert [score for _, score in taps] == ["1", "2", "3", "4", "5"]

    token = taps[3][0]
    page = Client().get(f"/survei/{token}/", {"skor": "4"})  # one tap, no login
    assert page.status_code == 200 and b"data-thanks" in page.content
    survey.refresh_from_db()
    assert survey.csat == 4 and survey.answered_at is not None
    event = ticket.events.get(kind="survey_answered")
    assert event.data["csat"] == 4

    # the optional second step: ease and a comment; the score can still change
    Client().post(f"/survei/{token}/", {"csat": "5", "ces": "4", "comment": "Cepat sekali"})
    survey.refresh_from_db()
    assert (survey.csat, survey.ces, survey.comment) == (5, 4, "Cepat sekali")
    assert ticket.events.filter(kind="survey_answered").count() == 1

    # resolved again later: no second survey for the same ticket
    tickets.ticket_reopen(actor=agent, ticket=ticket, reason="Masih rusak")
    tickets.ticket_resolve(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), reason="Ok")
    assert Survey.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db
def test_bad_answers_and_bad_or_expired_links_are_refused(
    agent: User, ticket: Ticket, customer: Customer
) -> None:
    resolve(agent, ticket)
    survey = services.invite_after_resolution(ticket.pk)
    assert survey is not None
    token = services.token_for(survey)
    c = Client()
    assert c.get(f"/survei/{token}/", {"skor": "9"}).status_code == 422
    assert c.get(f"/survei/{token}/", {"skor": "lima"}).status_code == 422
    assert c.post(f"/survei/{token}/", {"csat": "3", "ces": "8"}).status_code == 422
    survey.refresh_from_db()
    assert survey.csat is None and survey.answered_at is None
    assert c.get(f"/survei/{token}x/").status_code == 404
    assert c.get("/survei/123/").status_code == 404  # an unsigned id
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        expired = c.get(f"/survei/{token}/", {"skor": "5"})
    assert expired.status_code == 410 and "ditutup" in expired.content.decode()
    survey.refresh_from_db()
    assert survey.csat is None


@pytest.mark.django_db
def test_no_customer_is_surveyed_more_often_than_the_interval(
    agent: User, team: Team, customer: Customer, settings: object
) -> None:
    first = resolve(agent, new_ticket(agent, customer, team))
    assert services.invite_after_resolution(first.pk) is not None
    second = resolve(agent, new_ticket(agent, customer, team))
    assert services.invite_after_resolution(second.pk) is None  # within 14 days
    later = timezone.now() + timedelta(days=15)
    assert services.invite_after_resolution(second.pk, now=later) is not None
    assert services.invite_after_resolution(second.pk, now=later) is None  # once per ticket


@pytest.mark.django_db
def test_a_customer_without_email_gets_a_card_in_the_portal(
    agent: User, team: Team, customer_user: User
) -> None:
    customer = customer_create(
        name="Wati", contacts=[ContactIn("phone", "081298765432")], user=customer_user
    )
    ticket = resolve(agent, new_ticket(agent, customer, team))
    survey = services.invite_after_resolution(ticket.pk)
    assert survey is not None and survey.sent_via == "portal"
    c = Client()
    c.force_login(customer_user)
    home = c.get("/portal/").content.decode()
    assert f'data-survey-card="{survey.pk}"' in home and "skor=5" in home
    services.answer(survey, csat=5)
    assert f'data-survey-card="{survey.pk}"' not in c.get("/portal/").content.decode()


@pytest.mark.django_db
def test_customers_without_any_contact_route_are_not_invited(agent: User, team: Team) -> None:
    nobody = customer_create(name="Tanpa Kontak", contacts=[ContactIn("phone", "081211112222")])
    ticket = resolve(agent, new_ticket(agent, nobody, team))
    assert services.invite_after_resolution(ticket.pk) is None


@pytest.mark.django_db
def test_nps_round_asks_recent_customers_once_per_period(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    resolve(agent, new_ticket(agent, customer, team))
    mail.outbox.clear()
    result = services.invite_nps()
    assert result.invited == 1  # other_customer was never served
    nps = Survey.objects.get(kind="nps")
    assert nps.customer == customer and nps.ticket is None
    (sent,) = mail.outbox
    assert "merekomendasikan" in sent.subject and len(links_in(sent.body)) == 11
    assert services.invite_nps().invited == 0
    services.answer(nps, nps=9, comment="Mantap")
    nps.refresh_from_db()
    assert (nps.nps, nps.comment) == (9, "Mantap")
    with pytest.raises(Exception, match="antara 0 dan 10"):
        services.answer(nps, nps=11)


@pytest.mark.django_db
def test_a_low_score_fires_the_survey_automations(
    agent: User, supervisor: User, ticket: Ticket, customer: Customer
) -> None:
    Rule.objects.create(
        name="CSAT rendah",
        trigger="survey_answered",
        conditions={"survey_kinds": ["resolution"], "score_at_most": 2},
        actions=[{"type": "add_tag", "value": "csat-rendah"}, {"type": "notify_supervisor"}],
    )
    resolve(agent, ticket)
    survey = services.invite_after_resolution(ticket.pk)
    assert survey is not None
    services.answer(survey, csat=4)
    assert not Ticket.objects.get(pk=ticket.pk).tags.filter(name="csat-rendah").exists()
    other = resolve(agent, new_ticket(agent, customer, ticket.team))  # type: ignore[arg-type]
    low = services.invite_after_resolution(other.pk, now=timezone.now() + timedelta(days=20))
    assert low is not None
    services.answer(low, csat=1, comment="Kecewa")
    assert Ticket.objects.get(pk=other.pk).tags.filter(name="csat-rendah").exists()
    assert supervisor.notifications.filter(kind="escalated").exists()  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_agent_sees_the_score_in_the_timeline(agent: User, ticket: Ticket) -> None:
    resolve(agent, ticket)
    survey = services.invite_after_resolution(ticket.pk)
    assert survey is not None
    services.answer(survey, csat=2)
    c = Client()
    c.force_login(agent)
    page = c.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Kepuasan pelanggan (CSAT): 2 dari 5" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_customer_who_chose_english_gets_the_survey_in_english(
    agent: User, supervisor: User, ticket: Ticket, customer: Customer
) -> None:
    Customer.objects.filter(pk=customer.pk).update(preferred_language="en")
    mail.outbox.clear()
    resolve(agent, ticket)
    (sent,) = [m for m in mail.outbox if "How did we do?" in m.subject]
    assert ticket.reference in sent.subject
    html = str(sent.alternatives[0][0])
    for body in (sent.body, html):
        assert "Hello Budi," in body and "We have resolved your complaint" in body
        assert "Keluhan Anda" not in body and "Salam" not in body
    assert [score for _, score in links_in(sent.body)] == ["1", "2", "3", "4", "5"]


@pytest.mark.django_db
def test_an_edited_invitation_keeps_the_buttons_and_escapes_the_customer_name(
    agent: User, admin: User, ticket: Ticket, customer: Customer
) -> None:
    from sigap.accounts import message_templates

    Customer.objects.filter(pk=customer.pk).update(
        preferred_language="en", name="<i>Budi</i> Santoso"
    )
    message_templates.message_template_save(
        actor=admin,
        key="survey_resolution",
        language="en",
        brand=None,
        subject="{ticket_number}: rate us, {first_name}",
        body="{greeting}\n\nRate {ticket_subject}:\n{choices}\n\n{business}",
    )
    resolve(agent, ticket)
    mail.outbox.clear()
    assert services.invite_after_resolution(ticket.pk) is not None
    (sent,) = mail.outbox
    assert sent.subject == f"{ticket.reference}: rate us, <i>Budi</i>"
    assert sent.body.startswith(f"Hello <i>Budi</i>,\n\nRate {ticket.subject}:\n1: http")
    assert [score for _, score in links_in(sent.body)] == ["1", "2", "3", "4", "5"]
    html = str(sent.alternatives[0][0])
    assert "Hello &lt;i&gt;Budi&lt;/i&gt;," in html and "<i>" not in html
    assert html.count('<a href="http') == 5  # the buttons, kept as markup
