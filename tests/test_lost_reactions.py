"""Reactions that run after a commit survive a process that dies between the commit and
their job: the catch-up sweeps find what the lost job would have done, and do it once.

The fault is injected by never running the change's on-commit callbacks: the change is
stored, and nothing that would have been queued after it ever is (as after a kill -9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from sigap.accounts.models import User
from sigap.core import outbox
from sigap.core.models import OutboxItem
from sigap.customers.models import Customer
from sigap.notifications.models import NotificationKind
from sigap.notifications.services import notify_many
from sigap.sla.models import SlaTarget
from sigap.surveys import quickreply
from sigap.surveys.models import Survey, SurveyKind
from sigap.surveys.services import catch_up_invitations, invite_after_resolution
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.tickets.tests.steps import drive_to
from sigap.triage import service
from sigap.triage.models import TicketTriage
from sigap.triage.service import catch_up

pytestmark = pytest.mark.django_db


def test_a_new_ticket_whose_triage_job_was_lost_is_triaged_by_the_catch_up(
    settings: Any,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.SIGAP_TRIAGE = True
    # what the models conclude is not the point here (triage's own tests train them)
    monkeypatch.setattr(service, "predict", lambda text: service.Triage({}, {}))
    with django_capture_on_commit_callbacks(execute=False) as lost:
        ticket = services.ticket_create(
            actor=None,
            customer=customer,
            kind="complaint",
            channel="email",
            subject="Paket rusak",
            description="Paket saya datang dalam keadaan rusak, isinya pecah.",
        )
    assert len(lost) >= 1  # the triage job would have been queued here, and was not
    assert not TicketTriage.objects.filter(ticket=ticket).exists()

    assert catch_up() == 0  # too soon: the job queued at the commit may still run

    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert catch_up() == 1
        assert catch_up() == 0

    assert TicketTriage.objects.filter(ticket=ticket).count() == 1


def test_a_ticket_switched_off_from_triage_is_left_alone(
    settings: Any, customer: Customer, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SIGAP_TRIAGE = False
    with django_capture_on_commit_callbacks(execute=False):
        services.ticket_create(
            actor=None,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject="Ongkir",
            description="Berapa ongkir ke Medan?",
        )
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert catch_up() == 0
    assert not TicketTriage.objects.exists()


def test_a_resolved_ticket_whose_invitation_job_was_lost_still_invites_once(
    settings: Any, agent: User, ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SIGAP_SURVEYS = True
    with django_capture_on_commit_callbacks(execute=False) as lost:
        drive_to(agent, ticket, "resolved")
    assert len(lost) >= 1
    assert not Survey.objects.filter(ticket=ticket).exists()

    assert catch_up_invitations() == 0  # too soon

    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert catch_up_invitations() == 1
        assert catch_up_invitations() == 0

    survey = Survey.objects.get(ticket=ticket)
    assert (survey.kind, survey.customer_id) == (SurveyKind.RESOLUTION, ticket.customer_id)


def _complaint(customer: Customer, capture: Any, subject: str = "Paket rusak") -> Ticket:
    with capture(execute=False):  # the triage job is "lost": the test runs triage itself
        return services.ticket_create(
            actor=None,
            customer=customer,
            kind="complaint",
            channel="email",
            subject=subject,
            description="Paket saya datang dalam keadaan rusak, isinya pecah.",
        )


def test_the_job_and_the_catch_up_reaching_one_ticket_triage_it_once(
    settings: Any,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other runner records its triage while this one is classifying: this one
    returns that record and writes nothing."""
    settings.SIGAP_TRIAGE = True
    ticket = _complaint(customer, django_capture_on_commit_callbacks)
    theirs: list[TicketTriage] = []

    def racing_predict(text: str) -> service.Triage:
        theirs.append(TicketTriage.objects.create(ticket=ticket, predictions={}, versions={}))
        return service.Triage({}, {})

    monkeypatch.setattr(service, "predict", racing_predict)
    assert service.triage_ticket(ticket.pk) == theirs[0]
    assert TicketTriage.objects.filter(ticket=ticket).count() == 1


def test_a_ticket_edited_while_it_is_classified_is_classified_again(
    settings: Any,
    agent: User,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.SIGAP_TRIAGE = True
    ticket = _complaint(customer, django_capture_on_commit_callbacks)
    assert ticket.priority != 4
    sure = service.Prediction("mechanical", 0.99)
    calls: list[str] = []

    def predict_while_an_agent_edits(text: str) -> service.Triage:
        if not calls:  # the agent saves the ticket while the first run classifies it
            services.ticket_update(
                actor=agent, ticket=ticket, version=ticket.version, changes={"priority": 4}
            )
        calls.append(text)
        return service.Triage({"category": sure}, {"category": 1})

    monkeypatch.setattr(service, "predict", predict_while_an_agent_edits)
    record = service.triage_ticket(ticket.pk)
    assert record is not None and record.applied == ["category"]
    assert len(calls) == 2
    ticket.refresh_from_db()
    assert (ticket.category, ticket.priority) == ("mechanical", 4)  # both changes kept


def test_one_failing_ticket_does_not_stop_the_catch_up(
    settings: Any,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.SIGAP_TRIAGE = True
    first = _complaint(customer, django_capture_on_commit_callbacks, "Rusak")
    second = _complaint(customer, django_capture_on_commit_callbacks, "Terlambat")

    def predict(text: str) -> service.Triage:
        if "Rusak" in text:
            raise RuntimeError("model file unreadable")
        return service.Triage({}, {})

    monkeypatch.setattr(service, "predict", predict)
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert catch_up() == 1
    assert list(TicketTriage.objects.values_list("ticket_id", flat=True)) == [second.pk]
    assert f"triage of ticket {first.pk} failed" in caplog.text


# --- work kept in the outbox (core.outbox) ------------------------------------------------


def _after_the_grace() -> Any:
    return time_machine.travel(timezone.now() + outbox.GRACE + timedelta(seconds=1))


def test_an_escalation_email_whose_job_was_lost_is_still_mailed_once(
    supervisor: User, ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=supervisor.pk).update(email="spv@contoh.id")
    supervisor.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        notify_many([(supervisor.pk, ticket.pk, NotificationKind.ESCALATED, "Tiket dieskalasi")])
    assert mail.outbox == []
    with _after_the_grace():
        assert outbox.drain() == 1
        assert outbox.drain() == 0
    assert [m.to for m in mail.outbox] == [[supervisor.email]]
    assert "Tiket dieskalasi" in mail.outbox[0].body


def test_a_target_change_whose_recompute_job_was_lost_still_moves_the_open_tickets(
    ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    before = ticket.resolution_due_at
    assert before is not None and ticket.sla_policy_id is not None
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        for target in SlaTarget.objects.filter(policy_id=ticket.sla_policy_id):
            target.resolution_minutes *= 2
            target.save()
    (item,) = OutboxItem.objects.all()  # one recompute for the whole edit
    assert item.args["policy_ids"] == [ticket.sla_policy_id]
    assert Ticket.objects.get(pk=ticket.pk).resolution_due_at == before  # not yet
    with _after_the_grace():
        assert outbox.drain() == 1
    ticket.refresh_from_db()
    assert ticket.resolution_due_at is not None and ticket.resolution_due_at > before


def test_a_survey_question_whose_job_was_lost_is_still_asked_once(
    settings: Any,
    agent: User,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.SIGAP_SURVEYS = True
    asked: list[int] = []
    monkeypatch.setattr(quickreply, "channel_for", lambda ticket: "telegram")
    monkeypatch.setitem(
        outbox._handlers, quickreply.ASK_ON_CHANNEL, lambda survey_id: asked.append(survey_id)
    )
    with django_capture_on_commit_callbacks(execute=False):
        ticket = services.ticket_create(
            actor=None,
            customer=customer,
            kind="inquiry",
            channel="telegram",
            subject="Ongkir",
            description="Berapa ongkir ke Medan?",
        )
        drive_to(agent, ticket, "resolved")
    survey = invite_after_resolution(ticket.pk)  # the invitation (its job ran)
    assert survey is not None and survey.sent_via == "telegram"
    assert asked == []  # its question's job was lost
    with _after_the_grace():
        assert outbox.drain() == 1
        assert outbox.drain() == 0
    assert asked == [survey.pk]
