"""The ticket hooks: who hears what, in which phase, and what a refusal or a failure does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from sigap.accounts.models import User
from sigap.core.errors import Conflict
from sigap.customers.models import Customer
from sigap.tickets import hooks, services
from sigap.tickets.models import Message, Tag, Ticket
from sigap.tickets.tests.steps import drive_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard() -> Iterator[list[tuple[str, object]]]:
    """Subscribe test handlers; every one is removed again afterwards."""
    log: list[tuple[str, object]] = []
    names: list[tuple[type[Any], str]] = []

    def listen(event: type[Any], phase: hooks.Phase, name: str, **kw: Any) -> None:
        handler = kw.pop("handler", None) or (lambda e: log.append((name, e)))
        hooks.subscribe(event, handler, phase=phase, name=name, **kw)
        names.append((event, name))

    log.append(("listen", listen))
    yield log
    for event, name in names:
        hooks.unsubscribe(event, name)


def _listen(heard: list[tuple[str, object]]) -> Any:
    return heard[0][1]


def test_every_consumer_subscribes_in_its_ready_and_the_core_knows_none() -> None:
    def names(event: type[Any]) -> list[str]:
        return [s.name for s in hooks.subscriptions(event)]

    assert names(hooks.TicketIntake) == ["triage.intake"]
    # the notifications are the ticket core's own subscriber (tickets/notify.py): first
    assert names(hooks.TicketCreated) == [
        "notifications.assigned",
        "automations.ticket_created",
        "relations.stop_opening",
        "relations.campaign_reply_opening",
        "relations.incident_link",
        "kb.deflection",
        "triage.classify",
    ]
    assert names(hooks.TicketUpdated) == [
        "notifications.moved",
        "automations.ticket_updated",
        "triage.corrections",
    ]
    assert names(hooks.MessageAdded) == [
        "notifications.message",
        "automations.message_received",
        "channels.proposal_reason",
        "relations.stop_reply",
        "relations.campaign_reply",
    ]
    assert names(hooks.ApprovalRequested) == ["notifications.approval_needed"]
    assert names(hooks.ProposalDecided) == ["notifications.proposal_decided"]
    assert names(hooks.CustomerWrote) == ["kb.chatbot"]
    assert names(hooks.ReplyPosting) == ["channels.reply_window"]
    assert names(hooks.ReplyPosted) == ["channels.delivery_row", "channels.delivery"]
    assert names(hooks.StatusChanged) == ["surveys.after_resolution"]
    assert names(hooks.SlaAlert) == ["automations.sla"]
    assert names(hooks.ConversationEnded) == ["surveys.after_chat"]
    phases = {s.name: s.phase for e in (hooks.TicketCreated,) for s in hooks.subscriptions(e)}
    assert phases == {
        "notifications.assigned": "inside",
        "automations.ticket_created": "inside",
        "relations.stop_opening": "inside",
        "relations.campaign_reply_opening": "inside",
        "relations.incident_link": "after",
        "kb.deflection": "after",
        "triage.classify": "background",
    }


def test_an_after_handler_runs_once_the_change_commits_and_never_on_a_rollback(
    heard: list[tuple[str, object]],
    agent: User,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _listen(heard)(hooks.TicketCreated, hooks.AFTER, "test.after")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.ticket_create(
            actor=agent,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject="Dibatalkan",
            description="Transaksi ini dibatalkan.",
        )
        raise RuntimeError("rolled back")
    assert [n for n, _ in heard[1:]] == []
    assert callbacks == []

    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            actor=agent,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject="Ongkir",
            description="Berapa ongkir ke Medan?",
        )
    assert heard[1:] == [
        (
            "test.after",
            hooks.TicketCreated(
                ticket_id=ticket.pk,
                kind="inquiry",
                channel="email",
                by_customer=False,
                text="Berapa ongkir ke Medan?",
                author_id=agent.pk,
            ),
        )
    ]


def test_background_handlers_ride_one_job_after_the_commit_and_none_on_a_rollback(
    heard: list[tuple[str, object]],
    agent: User,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sigap.tickets import tasks

    def boom(event: object) -> None:
        raise RuntimeError("consumer down")

    jobs: list[tuple[object, list[str]]] = []

    def enqueue(event: object, names: list[str]) -> None:
        jobs.append((event, list(names)))
        hooks.run_background(event, names)  # what the worker does with the job

    monkeypatch.setattr(tasks, "run_hooks", enqueue)
    listen = _listen(heard)
    listen(hooks.StatusChanged, hooks.BACKGROUND, "test.boom", handler=boom)
    listen(hooks.StatusChanged, hooks.BACKGROUND, "test.first")
    listen(hooks.StatusChanged, hooks.BACKGROUND, "test.never", when=lambda e: False)
    listen(hooks.StatusChanged, hooks.BACKGROUND, "test.second")
    event = hooks.StatusChanged(ticket_id=1, old="new", new="recorded")

    with pytest.raises(RuntimeError, match="rolled back"), transaction.atomic():
        hooks.publish(event)
        raise RuntimeError("rolled back")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert hooks.publish(event) == []
        assert jobs == []  # not before the commit

    assert jobs == [(event, ["test.boom", "test.first", "test.second"])]
    assert heard[1:] == [("test.first", event), ("test.second", event)]


def test_a_new_tickets_background_handlers_run_in_the_worker(
    heard: list[tuple[str, object]],
    agent: User,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Through Huey (immediate in tests): the event and the handlers' names travel as the
    job's arguments, and the worker finds the handlers by name."""
    _listen(heard)(hooks.TicketCreated, hooks.BACKGROUND, "test.background")

    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            actor=agent,
            customer=customer,
            kind="complaint",
            channel="email",
            subject="Paket belum sampai",
            description="Pesanan belum sampai setelah lima hari.",
        )

    assert [(name, event.ticket_id) for name, event in heard[1:]] == [  # type: ignore[attr-defined]
        ("test.background", ticket.pk)
    ]


def test_an_inside_handler_that_refuses_leaves_nothing_behind(
    heard: list[tuple[str, object]], ticket: Ticket, agent: User
) -> None:
    def refuse(event: hooks.ReplyPosting) -> None:
        Tag.objects.create(name="written-before-refusal")
        raise Conflict("Saluran ini menolak balasan.")

    _listen(heard)(hooks.ReplyPosting, hooks.INSIDE, "test.refuse", handler=refuse)
    replies = Message.objects.filter(ticket=ticket).count()
    version = Ticket.objects.get(pk=ticket.pk).version

    with pytest.raises(Conflict, match="menolak balasan"):
        services.message_add(actor=agent, ticket=ticket, kind="reply", body="Halo Kak")

    assert Message.objects.filter(ticket=ticket).count() == replies
    assert not Tag.objects.filter(name="written-before-refusal").exists()
    assert Ticket.objects.get(pk=ticket.pk).version == version


def test_when_decides_inside_the_transaction_and_a_failing_handler_does_not_stop_the_next(
    heard: list[tuple[str, object]],
    ticket: Ticket,
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def boom(event: object) -> None:
        raise RuntimeError("consumer down")

    listen = _listen(heard)
    listen(hooks.StatusChanged, hooks.AFTER, "test.boom", handler=boom)
    listen(hooks.StatusChanged, hooks.AFTER, "test.only_closed", when=lambda e: e.new == "closed")
    listen(hooks.StatusChanged, hooks.AFTER, "test.all")

    with django_capture_on_commit_callbacks(execute=True):
        drive_to(agent, ticket, "recorded")

    assert [(n, e.new) for n, e in heard[1:]] == [("test.all", "recorded")]  # type: ignore[attr-defined]


def test_a_decided_proposal_is_published_with_its_decision(
    heard: list[tuple[str, object]],
    ticket: Ticket,
    agent: User,
    customer_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _listen(heard)(hooks.ProposalDecided, hooks.AFTER, "test.decided")
    ticket = drive_to(agent, ticket, "confirmed")
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang paket.")

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_accept(actor=customer_user, proposal=proposal)

    assert heard[1:] == [
        (
            "test.decided",
            hooks.ProposalDecided(
                proposal_id=proposal.pk,
                ticket_id=ticket.pk,
                decision="accepted",
                actor_id=customer_user.pk,
            ),
        )
    ]


def test_react_now_runs_the_after_handlers_of_an_event_held_back(
    heard: list[tuple[str, object]],
) -> None:
    _listen(heard)(hooks.CustomerWrote, hooks.AFTER, "test.now", when=lambda e: e.text != "")
    hooks.react_now(hooks.CustomerWrote(ticket_id=1, channel="livechat", text=""))
    hooks.react_now(hooks.CustomerWrote(ticket_id=1, channel="livechat", text="Halo"))

    assert heard[1:] == [
        ("test.now", hooks.CustomerWrote(ticket_id=1, channel="livechat", text="Halo"))
    ]


def test_a_phase_must_be_named() -> None:
    with pytest.raises(ValueError, match="unknown phase"):
        hooks.subscribe(hooks.TicketCreated, print, phase="later", name="x")  # type: ignore[arg-type]


def test_every_event_a_background_handler_hears_survives_the_queue() -> None:
    """A BACKGROUND job carries its event pickled (the tests run Huey immediately, which
    never pickles): each event type with such a handler, filled with one of each of its
    fields' kinds, comes back equal."""
    import dataclasses
    import pickle

    samples = {int: 7, str: "Pembayaran gagal", bool: True}
    heard = {
        sub.event
        for subs in hooks._registry.values()
        for sub in subs
        if sub.phase == hooks.BACKGROUND
    }
    assert hooks.TicketCreated in heard  # triage's classification
    for event_type in heard:
        fields = dataclasses.fields(event_type)
        values = {
            f.name: next((v for t, v in samples.items() if t.__name__ in str(f.type)), None)
            for f in fields
        }
        event = event_type(**values)
        assert pickle.loads(pickle.dumps(event)) == event
