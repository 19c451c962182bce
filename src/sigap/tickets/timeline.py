"""The kronologi as the ticket page shows it: events in order, messages inline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sigap.core.money import format_rupiah
from sigap.core.refs import ticket_reference
from sigap.customers.models import ContactKind, CustomerKind, Temperament
from sigap.tickets.models import (
    Category,
    CompensationType,
    ComplainerGoal,
    ComplainerType,
    EventKind,
    Message,
    Priority,
    ResponseType,
    RootCause,
    Severity,
    Status,
    Ticket,
    TimelineEvent,
)

FIELD_LABELS = {
    "subject": "Subjek",
    "category": "Golongan",
    "severity": "Tingkat",
    "priority": "Prioritas",
    "complainer_type": "Tipe pengeluh",
    "complainer_goal": "Tujuan keluhan",
    "response_type": "Respons ketidakpuasan",
    "root_cause": "Penyebab",
    "team": "Tim",
    "assignee": "Penanggung jawab",
    "tags": "Label",
    "customer_kind": "Jenis pelanggan",
    "temperament": "Temperamen pelanggan",
    "status": "Status",
    "first_response_due_at": "Tenggat respons pertama",
    "resolution_due_at": "Tenggat penyelesaian",
}
VALUE_LABELS: dict[str, dict[Any, str]] = {
    "status": {k: str(v) for k, v in Status.choices},
    "category": {k: str(v) for k, v in Category.choices},
    "severity": {k: str(v) for k, v in Severity.choices},
    "priority": {k: str(v) for k, v in Priority.choices},
    "complainer_type": {k: str(v) for k, v in ComplainerType.choices},
    "complainer_goal": {k: str(v) for k, v in ComplainerGoal.choices},
    "response_type": {k: str(v) for k, v in ResponseType.choices},
    "root_cause": {k: str(v) for k, v in RootCause.choices},
    "customer_kind": {k: str(v) for k, v in CustomerKind.choices},
    "temperament": {k: str(v) for k, v in Temperament.choices},
}
COMPENSATION = {k: str(v) for k, v in CompensationType.choices}
CUSTOMER_KINDS = frozenset({EventKind.MESSAGE_RECEIVED, EventKind.CREATED})
SLA_TARGETS = {
    "first_response": "Respons pertama",
    "next_response": "Respons berikutnya",
    "resolution": "Penyelesaian",
}


REVIEW_REQUEST_KINDS = frozenset({EventKind.PROPOSAL_CREATED, EventKind.PROPOSAL_RESUBMITTED})
SUPERVISOR_NOTE_KINDS = frozenset(
    {EventKind.PROPOSAL_DECLINED, EventKind.PROPOSAL_CHANGES, EventKind.PROPOSAL_REVIEW_NOTE}
)


def _fulfilment_lines(data: dict[str, Any]) -> list[str]:
    lines = ["Kompensasi diberikan." if data.get("given") else "Kompensasi belum diberikan."]
    if data.get("reference"):
        lines.append(f"Kode/referensi: {data['reference']}")
    if data.get("note"):
        lines.append(f"Catatan: {data['note']}")
    return lines


@dataclass
class Item:
    id: int
    kind: str
    title: str
    at: datetime
    actor: str
    public: bool
    body: str = ""
    lines: list[str] = field(default_factory=list)
    message: Message | None = None
    css: str = ""
    third_party: bool = False  # an inbound message someone other than the customer wrote


def _value(field_name: str, value: Any, names: dict[str, dict[int, str]]) -> str:
    if value in (None, "", []):
        return "—"
    if field_name.endswith("_due_at") and isinstance(value, str):
        from sigap.tickets.guidance import when

        return when(datetime.fromisoformat(value))
    if field_name in ("team", "assignee"):
        return names.get(field_name, {}).get(value, f"#{value}")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return VALUE_LABELS.get(field_name, {}).get(value, str(value))


def compensation_text(kind: str, amount: int) -> str:
    label = COMPENSATION.get(kind, kind)
    return f"{label} {format_rupiah(amount)}" if amount else label


def customer_addresses(ticket: Ticket) -> frozenset[str]:
    """The ticket's customer's email addresses (from ``customer__contacts``, which the
    ticket page's selector prefetches)."""
    return frozenset(
        c.value.lower() for c in ticket.customer.contacts.all() if c.kind == ContactKind.EMAIL
    )


def _sender(msg: Message, own: frozenset[str]) -> tuple[str, bool]:
    """Who wrote an inbound message, and whether that is someone other than the customer:
    the address it came from is shown whenever the channel gave one."""
    if msg.author is not None:
        return msg.author.get_full_name(), False
    address = msg.sender_address
    if not address:
        return "Pelanggan", False
    if address.lower() in own:
        return f"Pelanggan ({address})", False
    return f"{address} (bukan pelanggan)", True


def _kind_label(kind: str) -> str:
    """``get_kind_display()`` without its cost: Django's translates every one of the
    kinds' labels to look one up (a page of events read them all per event)."""
    return str(EventKind(kind).label) if kind in _EVENT_KINDS else kind


_EVENT_KINDS = frozenset(EventKind.values)


def items(
    events: Iterable[TimelineEvent],
    messages: dict[int, Message],
    names: dict[str, dict[int, str]],
    *,
    own_addresses: frozenset[str] = frozenset(),
) -> list[Item]:
    """``own_addresses``: the customer's email addresses (``customer_addresses``); an
    inbound message from any other address is shown as someone else's."""
    out: list[Item] = []
    for e in events:
        if e.actor:
            actor = e.actor.get_full_name() or e.actor.get_username()
        else:  # the customer writing in, or Sigap itself (SLA sweep, automations)
            actor = "Pelanggan" if e.kind in CUSTOMER_KINDS else "Sistem"
        item = Item(e.pk, e.kind, _kind_label(e.kind), e.created_at, actor, e.public)
        data = e.data or {}
        if e.kind in (EventKind.MESSAGE_RECEIVED, EventKind.REPLY_SENT, EventKind.NOTE_ADDED):
            msg = messages.get(data.get("message_id", 0))
            if msg is None:
                continue  # a note the viewer may not see
            item.message = msg
            item.css = {"inbound": "in", "reply": "out", "note": "note"}[msg.kind]
            if msg.kind == "inbound":
                item.actor, item.third_party = _sender(msg, own_addresses)
        elif e.kind == EventKind.STATUS_CHANGED:
            item.body = (
                f"{_value('status', e.old_value, names)} → {_value('status', e.new_value, names)}"
            )
            if data.get("reason"):
                item.lines.append(f"Alasan: {data['reason']}")
        elif e.kind in (
            EventKind.FIELD_CHANGED,
            EventKind.ASSIGNED,
            EventKind.TEAM_CHANGED,
            EventKind.TAGS_CHANGED,
        ):
            label = FIELD_LABELS.get(e.field, e.field)
            item.body = (
                f"{label}: {_value(e.field, e.old_value, names)} → "
                f"{_value(e.field, e.new_value, names)}"
            )
            if data.get("reason"):
                item.lines.append(f"Alasan: {data['reason']}")
        elif e.kind == EventKind.RECORDED:
            item.body = str(data.get("facts", ""))
        elif e.kind == EventKind.CONFIRMATION:
            item.body = str(data.get("restatement", ""))
            item.lines.append(
                "Pelanggan membenarkan."
                if data.get("customer_confirmed")
                else "Pelanggan belum membenarkan."
            )
            if data.get("response"):
                item.lines.append(f"Tanggapan: {data['response']}")
        elif e.kind == EventKind.AUTOMATION:
            item.body = str(data.get("rule", ""))
            item.lines.append("Tindakan: " + ", ".join(str(a) for a in data.get("applied", [])))
        elif e.kind == EventKind.ESCALATED:
            item.body = f"Tingkat {data.get('level', '')}"
            if data.get("reason"):
                item.lines.append(f"Alasan: {data['reason']}")
        elif e.kind == EventKind.SLA_BREACHED and data.get("target"):
            item.body = SLA_TARGETS.get(str(data["target"]), str(data["target"]))
        elif e.kind == EventKind.SLA_RESUMED and data.get("paused_minutes"):
            item.body = f"Tenggat bergeser {data['paused_minutes']} menit kerja."
        elif e.kind == EventKind.CREATED:
            item.body = str(data.get("subject", ""))
        elif e.kind == EventKind.CALL_LOGGED:
            direction = "masuk" if data.get("direction") == "inbound" else "keluar"
            minutes, seconds = divmod(int(data.get("duration_seconds") or 0), 60)
            item.body = f"Panggilan {direction}, {minutes} menit {seconds} detik"
            if data.get("outcome"):
                item.lines.append(f"Hasil: {data['outcome']}")
            if data.get("notes"):
                item.lines.append(str(data["notes"]))
        elif e.kind == EventKind.SURVEY_ANSWERED and data.get("csat") is not None:
            item.body = f"Kepuasan pelanggan (CSAT): {data['csat']} dari 5"
        elif e.kind in (EventKind.MERGED, EventKind.SPLIT, EventKind.LINKED):
            item.body = _link_text(e.kind, data)
        elif "proposal_id" in data:
            item.body = str(data.get("summary", ""))
            item.lines.append(
                "Kompensasi: "
                + compensation_text(
                    str(data.get("compensation_type", "")), int(data.get("compensation_amount", 0))
                )
            )
            if data.get("approval_reason") and e.kind in REVIEW_REQUEST_KINDS:
                item.lines.append(f"Butuh persetujuan: {data['approval_reason']}")
            if e.kind == EventKind.COMPENSATION_RECORDED:
                item.lines.extend(_fulfilment_lines(data))
            elif data.get("reason"):
                label = "Catatan supervisor" if e.kind in SUPERVISOR_NOTE_KINDS else "Alasan"
                item.lines.append(f"{label}: {data['reason']}")
            if data.get("answered_by") == "customer":
                _customer_answer(item, data, names)
        if data.get("merged_from"):  # copied from a ticket merged into this one
            item.lines.append(f"Dari {ticket_reference(int(data['merged_from']))}")
        out.append(item)
    return out


def _link_text(kind: str, data: dict[str, Any]) -> str:
    """The merge, split and link entries (``tickets/services/links.py``)."""

    def ref(key: str) -> str:
        return ticket_reference(int(data.get(key) or 0))

    if kind == EventKind.MERGED:
        if data.get("role") == "source":
            return f"Tiket ini digabung ke {ref('target_id')}."
        return (
            f"{ref('source_id')} digabung ke tiket ini: {data.get('messages', 0)} pesan, "
            f"{data.get('attachments', 0)} lampiran."
        )
    if kind == EventKind.SPLIT:
        if data.get("role") == "new":
            return f"Dipisah dari {ref('original_id')}."
        return f"Satu pesan dipisah menjadi tiket {ref('new_id')}."
    verb = "Ditautkan ke" if data.get("linked") else "Tautan dilepas dari"
    return f"{verb} {ref('other_id')}."


def _customer_answer(item: Item, data: dict[str, Any], names: dict[str, dict[int, str]]) -> None:
    """The customer's answer to a proposal: said by the customer, how, and (when an agent
    recorded it) their words, when they said it and who wrote it down."""
    from sigap.tickets.services.proposal_answers import via_label

    recorder = data.get("recorded_by")
    if recorder:
        who = names.get("assignee", {}).get(recorder) or item.actor
        item.actor = f"Pelanggan (dicatat oleh {who})"
    else:
        item.actor = "Pelanggan"
    item.lines.append(f"Lewat: {via_label(str(data.get('via', '')))}")
    if data.get("words"):
        item.lines.append(f"Kata pelanggan: “{data['words']}”")
    if data.get("said_at"):
        from sigap.tickets.guidance import when

        item.lines.append(f"Diucapkan: {when(datetime.fromisoformat(str(data['said_at'])))}")
