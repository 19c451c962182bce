"""Merging two tickets of one customer, splitting a message off, related links."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from sigap.accounts.models import Team, User
from sigap.connectors.models import OutboundDelivery
from sigap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sigap.customers.models import Customer
from sigap.metrics.facts import EVENT_FIELDS, TICKET_FIELDS, derive
from sigap.sla.models import BusinessCalendar, SlaPolicy, SlaTarget
from sigap.tickets import hooks, selectors, services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import (
    Attachment,
    EventKind,
    LinkKind,
    Message,
    Proposal,
    Status,
    Ticket,
    TicketLink,
    TimelineEvent,
)
from sigap.tickets.search import search_tickets
from sigap.tickets.timeline import items

pytestmark = pytest.mark.django_db


def second_ticket(agent: User, team: Team, customer: Customer, **extra: object) -> Ticket:
    fields: dict[str, object] = {
        "actor": agent,
        "customer": customer,
        "kind": "complaint",
        "channel": "email",
        "subject": "Tanya status paket lagi",
        "description": "Paket BLJ-2026-104233 kok belum datang juga ya, sudah lapor kemarin.",
        "team": team,
        "assignee": agent,
    }
    fields.update(extra)
    return services.ticket_create(**fields)  # type: ignore[arg-type]


@pytest.fixture
def source(agent: User, team: Team, customer: Customer) -> Ticket:
    src = second_ticket(agent, team, customer)
    services.message_add(
        actor=None,
        ticket=src,
        kind="inbound",
        body="Ini foto resinya, tolong dicek gudangnya",
        uploads=[Upload("resi.txt", b"BLJ-2026-104233")],
    )
    services.message_add(actor=agent, ticket=src, kind="note", body="Kurir jnekendal dihubungi")
    return src


def test_merge_moves_messages_attachments_and_timeline_and_leaves_a_pointer(
    agent: User, ticket: Ticket, source: Ticket
) -> None:
    src_messages = set(Message.objects.filter(ticket=source).values_list("pk", flat=True))
    src_events = list(TimelineEvent.objects.filter(ticket=source).order_by("created_at", "id"))

    target = services.ticket_merge(actor=agent, source=source, target=ticket)

    assert target.pk == ticket.pk
    moved = set(Message.objects.filter(ticket=ticket).values_list("pk", flat=True))
    assert src_messages <= moved
    assert Attachment.objects.filter(ticket=ticket, filename="resi.txt").count() == 1
    assert not Attachment.objects.filter(ticket=source).exists()
    copies = TimelineEvent.objects.filter(ticket=ticket, data__merged_from=source.pk)
    assert sorted((e.kind, e.created_at) for e in copies) == sorted(
        (e.kind, e.created_at) for e in src_events
    )
    source.refresh_from_db()
    assert source.status == Status.CLOSED and source.merged_into_id == ticket.pk
    assert TicketLink.objects.filter(
        from_ticket=source, to_ticket=ticket, kind=LinkKind.MERGED
    ).exists()
    assert TimelineEvent.objects.filter(ticket=source, kind=EventKind.MERGED).count() == 1
    merged = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.MERGED)
    assert merged.data["messages"] == len(src_messages) and merged.data["attachments"] == 1
    # the source's page says where it went; the target's shows the copies with their origin
    source_items = items(TimelineEvent.objects.filter(ticket=source), {}, {})
    assert any(f"digabung ke {ticket.reference}" in i.body for i in source_items)
    target_msgs = {m.pk: m for m in Message.objects.filter(ticket=ticket)}
    target_items = items(TimelineEvent.objects.filter(ticket=ticket), target_msgs, {})
    assert any(f"Dari {source.reference}" in i.lines for i in target_items)
    assert any(i.message and "foto resinya" in i.message.body for i in target_items)


def test_merge_tells_the_customer_on_their_channel(
    agent: User, ticket: Ticket, source: Ticket
) -> None:
    services.ticket_merge(actor=agent, source=source, target=ticket)

    notices = Message.objects.filter(ticket=ticket, kind="reply", body__contains=source.reference)
    # the source came by email, the target by WhatsApp: one notice on each
    assert sorted(notices.values_list("channel", flat=True)) == ["email", "whatsapp"]
    email = notices.get(channel="email")
    delivery = OutboundDelivery.objects.get(message=email)
    assert delivery.provider == "email" and delivery.recipient == "budi@contoh.id"
    assert ticket.reference in email.body


def test_merge_notice_may_be_written_by_the_agent(
    agent: User, ticket: Ticket, source: Ticket
) -> None:
    services.ticket_merge(
        actor=agent, source=source, target=ticket, notice="Kak, dua laporan digabung ya."
    )
    assert Message.objects.filter(ticket=ticket, body="Kak, dua laporan digabung ya.").exists()


def test_merge_rebuilds_the_search_document(agent: User, ticket: Ticket, source: Ticket) -> None:
    staff = Ticket.objects.filter(pk__in=[ticket.pk, source.pk])
    assert list(search_tickets(staff, "jnekendal").values_list("pk", flat=True)) == [source.pk]

    services.ticket_merge(actor=agent, source=source, target=ticket)

    assert list(search_tickets(staff, "jnekendal").values_list("pk", flat=True)) == [ticket.pk]
    assert list(search_tickets(staff, "gudang").values_list("pk", flat=True)) == [ticket.pk]


def test_merge_refuses_another_customers_ticket(
    agent: User, team: Team, ticket: Ticket, other_customer: Customer
) -> None:
    foreign = second_ticket(agent, team, other_customer)
    with pytest.raises(ValidationFailed, match="pelanggan yang sama"):
        services.ticket_merge(actor=agent, source=foreign, target=ticket)
    foreign.refresh_from_db()
    assert foreign.merged_into_id is None and foreign.status == Status.NEW
    assert Message.objects.filter(ticket=foreign).exists()


def test_merge_refuses_twice_itself_and_a_closed_target(
    agent: User, ticket: Ticket, source: Ticket, team: Team, customer: Customer
) -> None:
    with pytest.raises(ValidationFailed):
        services.ticket_merge(actor=agent, source=ticket, target=ticket)
    services.ticket_merge(actor=agent, source=source, target=ticket)
    third = second_ticket(agent, team, customer, subject="Ketiga")
    with pytest.raises(Conflict, match="sudah digabung"):
        services.ticket_merge(actor=agent, source=source, target=third)
    with pytest.raises(Conflict, match="sudah digabung"):
        services.ticket_merge(actor=agent, source=third, target=source)
    services.ticket_close(actor=agent, ticket=third, reason="Duplikat")
    with pytest.raises(Conflict, match="sudah ditutup"):
        services.ticket_merge(actor=agent, source=ticket, target=third)


def test_merge_needs_both_tickets_visible(
    agent: User, outsider_agent: User, ticket: Ticket, source: Ticket, customer_user: User
) -> None:
    with pytest.raises(NotFound):
        services.ticket_merge(actor=outsider_agent, source=source, target=ticket)
    with pytest.raises(PermissionDenied):
        services.ticket_merge(actor=customer_user, source=source, target=ticket)
    assert Ticket.objects.get(pk=source.pk).merged_into_id is None


def test_open_proposals_of_the_source_are_withdrawn_and_the_target_keeps_its_sla(
    agent: User, ticket: Ticket, source: Ticket
) -> None:
    services.ticket_record(actor=agent, ticket=source, facts="Paket hilang")
    services.ticket_confirm(
        actor=agent, ticket=source, restatement="Paket hilang", customer_confirmed=True
    )
    proposal = services.proposal_create(actor=agent, ticket=source, summary="Kirim ulang")
    due = ticket.resolution_due_at

    services.ticket_merge(actor=agent, source=source, target=ticket)

    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    withdrawn = TimelineEvent.objects.get(ticket=source, kind=EventKind.PROPOSAL_WITHDRAWN)
    assert withdrawn.data["reason"] == f"Digabung ke {ticket.reference}."
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == due
    assert not Proposal.objects.filter(ticket=ticket).exists()


def test_metrics_do_not_count_the_copied_history_twice(
    agent: User, ticket: Ticket, source: Ticket
) -> None:
    services.message_add(actor=agent, ticket=source, kind="reply", body="Sedang kami cek")

    def fact(t: Ticket) -> int:
        row = Ticket.objects.filter(pk=t.pk).values(*TICKET_FIELDS).first()
        evs = list(TimelineEvent.objects.filter(ticket=t).values(*EVENT_FIELDS))
        assert row is not None
        return derive(row, evs, set()).inbound_messages

    before = fact(ticket)
    services.ticket_merge(actor=agent, source=source, target=ticket)
    assert fact(ticket) == before
    assert fact(source) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_merges_of_one_pair_at_once_one_wins(
    agent: User, ticket: Ticket, source: Ticket
) -> None:
    barrier = threading.Barrier(2)
    done: list[int] = []
    errors: list[BaseException] = []

    def merge(src: Ticket, dst: Ticket) -> None:
        try:
            barrier.wait(timeout=5)
            done.append(services.ticket_merge(actor=agent, source=src, target=dst).pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=merge, args=(source, ticket)),
        threading.Thread(target=merge, args=(ticket, source)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(done) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], Conflict)
    pointers = list(
        Ticket.objects.filter(pk__in=[ticket.pk, source.pk]).values_list(
            "merged_into_id", flat=True
        )
    )
    assert sorted(pointers, key=lambda p: p or 0) == [None, done[0]]


def test_split_copies_a_customer_message_into_a_linked_ticket(agent: User, ticket: Ticket) -> None:
    message = services.message_add(
        actor=None,
        ticket=ticket,
        kind="inbound",
        body="Oh iya, saldo saya juga terpotong dua kali kemarin",
        uploads=[Upload("mutasi.txt", b"debit 249000 x2")],
    )

    new = services.ticket_split(
        actor=agent, ticket=ticket, message=message, subject="Saldo terpotong dua kali"
    )

    assert new.customer_id == ticket.customer_id and new.channel == ticket.channel
    assert new.subject == "Saldo terpotong dua kali" and new.team_id == ticket.team_id
    first = Message.objects.get(ticket=new)
    assert first.body == message.body and first.kind == "inbound"
    assert Attachment.objects.filter(ticket=new, filename="mutasi.txt").count() == 1
    assert Message.objects.filter(pk=message.pk, ticket=ticket).exists()  # copied, not moved
    assert TicketLink.objects.filter(from_ticket=new, to_ticket=ticket, kind="split").exists()
    original = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.SPLIT)
    assert original.data["new_id"] == new.pk and original.data["message_id"] == message.pk
    assert TimelineEvent.objects.filter(ticket=new, kind=EventKind.SPLIT).exists()
    labels = [
        (link.label, link.other.pk) for link in selectors.links_for(user=agent, ticket=ticket)
    ]
    assert labels == [("Dipisah menjadi", new.pk)]


def test_split_refuses_an_agents_reply_and_an_empty_subject(agent: User, ticket: Ticket) -> None:
    reply = services.message_add(actor=agent, ticket=ticket, kind="reply", body="Baik kak")
    with pytest.raises(ValidationFailed, match="pesan dari pelanggan"):
        services.ticket_split(actor=agent, ticket=ticket, message=reply, subject="X")
    inbound = Message.objects.filter(ticket=ticket, kind="inbound").first()
    assert inbound is not None
    with pytest.raises(ValidationFailed, match="Subjek"):
        services.ticket_split(actor=agent, ticket=ticket, message=inbound, subject="  ")
    assert Ticket.objects.count() == 1


def test_split_of_another_tickets_message_is_not_found(
    agent: User, ticket: Ticket, source: Ticket
) -> None:
    foreign = Message.objects.filter(ticket=source, kind="inbound").first()
    assert foreign is not None
    with pytest.raises(NotFound):
        services.ticket_split(actor=agent, ticket=ticket, message=foreign, subject="X")


def test_related_links_are_symmetric_and_removable(
    agent: User, outsider_agent: User, ticket: Ticket, other_ticket: Ticket, source: Ticket
) -> None:
    services.ticket_link(actor=agent, ticket=source, other=ticket)
    services.ticket_link(actor=agent, ticket=ticket, other=source)  # again: nothing new
    assert TicketLink.objects.count() == 1
    assert [x.other.pk for x in selectors.links_for(user=agent, ticket=ticket)] == [source.pk]
    assert [x.other.pk for x in selectors.links_for(user=agent, ticket=source)] == [ticket.pk]
    assert TimelineEvent.objects.filter(kind=EventKind.LINKED).count() == 2
    # an agent links only what they may see
    with pytest.raises(NotFound):
        services.ticket_link(actor=agent, ticket=ticket, other=other_ticket)
    with pytest.raises(NotFound):
        services.ticket_unlink(actor=outsider_agent, ticket=ticket, other=source)

    services.ticket_unlink(actor=agent, ticket=source, other=ticket)

    assert not TicketLink.objects.exists()
    with pytest.raises(NotFound, match="Tautan"):
        services.ticket_unlink(actor=agent, ticket=source, other=ticket)


def test_links_hide_the_tickets_the_viewer_may_not_see(
    admin: User, outsider_agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    services.ticket_link(actor=admin, ticket=ticket, other=other_ticket)
    assert selectors.links_for(user=outsider_agent, ticket=other_ticket) == []
    assert [x.other.pk for x in selectors.links_for(user=admin, ticket=other_ticket)] == [ticket.pk]


def test_merge_candidates_are_the_customers_other_open_tickets(
    agent: User, ticket: Ticket, source: Ticket, other_ticket: Ticket
) -> None:
    found = selectors.merge_candidates(user=agent, ticket=ticket)
    assert [t.pk for t in found] == [source.pk]
    assert selectors.merge_candidates(user=agent, ticket=ticket, q=source.reference)
    assert selectors.merge_candidates(user=agent, ticket=ticket, q=str(source.pk))
    assert selectors.merge_candidates(user=agent, ticket=ticket, q="status paket")
    assert not selectors.merge_candidates(user=agent, ticket=ticket, q="saldo")


def test_a_channel_that_refuses_the_notice_does_not_undo_the_merge(
    agent: User, ticket: Ticket, source: Ticket
) -> None:
    def refuse(event: hooks.ReplyPosting) -> None:
        if event.channel == "email":
            raise Conflict("Di luar jendela layanan.")

    hooks.subscribe(hooks.ReplyPosting, refuse, phase=hooks.INSIDE, name="test.refuse")
    try:
        services.ticket_merge(actor=agent, source=source, target=ticket)
    finally:
        hooks.unsubscribe(hooks.ReplyPosting, "test.refuse")

    assert Ticket.objects.get(pk=source.pk).merged_into_id == ticket.pk
    notices = Message.objects.filter(ticket=ticket, kind="reply", body__contains=source.reference)
    assert list(notices.values_list("channel", flat=True)) == ["whatsapp"]
    note = Message.objects.get(ticket=ticket, kind="note", body__contains="tidak terkirim")
    assert "email" in note.body and "Di luar jendela layanan." in note.body


def test_a_complaint_merged_into_an_inquiry_makes_the_kept_ticket_a_complaint(
    agent: User, team: Team, customer: Customer, source: Ticket
) -> None:
    # complaints get four hours here, whatever their channel (a policy of their own)
    office = BusinessCalendar.objects.get(name="24 jam")
    policy = SlaPolicy.objects.create(
        name="Keluhan", position=1, kinds=["complaint"], calendar=office
    )
    for priority in (1, 2, 3, 4):
        SlaTarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=60,
            next_response_minutes=60,
            resolution_minutes=4 * 60,
        )
    inquiry = second_ticket(
        agent, team, customer, kind="inquiry", channel="whatsapp", subject="Cara lacak paket?"
    )
    due = inquiry.resolution_due_at

    target = services.ticket_merge(actor=agent, source=source, target=inquiry)

    assert target.kind == "complaint"
    change = TimelineEvent.objects.get(ticket=inquiry, field="kind")
    assert (change.old_value, change.new_value) == ("inquiry", "complaint")
    assert change.data["reason"] == f"Keluhan {source.reference} digabung ke tiket ini."
    shown = items(TimelineEvent.objects.filter(pk=change.pk), {}, {})
    assert any("Jenis tiket" in i.body and "Keluhan" in i.body for i in shown)
    # the due times are a complaint's now (computed again, as after a priority change)
    assert target.sla_policy_id == policy.pk and target.resolution_due_at != due
    assert target.resolution_due_at == inquiry.created_at + timedelta(hours=4)
    assert TimelineEvent.objects.filter(ticket=inquiry, field="resolution_due_at").exists()
    # an inquiry merged into a complaint changes nothing
    other = second_ticket(agent, team, customer, kind="inquiry", subject="Ongkir berapa?")
    services.ticket_merge(actor=agent, source=other, target=target)
    assert TimelineEvent.objects.filter(ticket=target, field="kind").count() == 1


def test_the_merge_notice_is_not_sent_on_the_phone(
    agent: User, team: Team, customer: Customer, ticket: Ticket
) -> None:
    call = second_ticket(agent, team, customer, channel="phone", subject="Telepon soal paket")
    services.ticket_merge(actor=agent, source=call, target=ticket)
    notices = Message.objects.filter(ticket=ticket, body__contains=call.reference)
    assert list(notices.values_list("kind", "channel")) == [("reply", "whatsapp")]
    # both by phone: nobody to tell in writing, and no reply pretends otherwise
    first = second_ticket(agent, team, customer, channel="walkin", subject="Datang ke toko")
    second = second_ticket(agent, team, customer, channel="phone", subject="Telepon lagi")
    services.ticket_merge(actor=agent, source=second, target=first)
    assert not Message.objects.filter(ticket=first, kind="reply").exists()
    assert not Message.objects.filter(ticket=first, body__contains="tidak terkirim").exists()
