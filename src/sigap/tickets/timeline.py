"""The kronologi as the ticket page shows it: events in order, messages inline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.core.money import format_rupiah
from sigap.core.refs import ticket_reference
from sigap.customers.models import ContactKind, CustomerKind, Temperament
from sigap.tickets.models import (
    Category,
    CompensationType,
    ComplainerGoal,
    ComplainerType,
    EventKind,
    Kind,
    Message,
    Priority,
    ResponseType,
    RootCause,
    Severity,
    Status,
    Ticket,
    TimelineEvent,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def _reason(data: dict[str, Any]) -> str:
    # A reason Sigap gave (marked with gettext_noop where it was stored) reads in the
    # reader's language; a person's own words are not in the catalog and stay as written.
    return _("Alasan: %(text)s") % {"text": _(data["reason"])}


FIELD_LABELS = {
    "subject": gettext_lazy("Subjek"),
    "kind": gettext_lazy("Jenis tiket"),
    "category": gettext_lazy("Golongan"),
    "severity": gettext_lazy("Tingkat"),
    "priority": gettext_lazy("Prioritas"),
    "complainer_type": gettext_lazy("Tipe pengeluh"),
    "complainer_goal": gettext_lazy("Tujuan keluhan"),
    "response_type": gettext_lazy("Respons ketidakpuasan"),
    "root_cause": gettext_lazy("Penyebab"),
    "product": gettext_lazy("Produk"),
    "team": gettext_lazy("Tim"),
    "assignee": gettext_lazy("Penanggung jawab"),
    "tags": gettext_lazy("Label"),
    "customer_kind": gettext_lazy("Jenis pelanggan"),
    "temperament": gettext_lazy("Temperamen pelanggan"),
    "status": gettext_lazy("Status"),
    "first_response_due_at": gettext_lazy("Tenggat respons pertama"),
    "resolution_due_at": gettext_lazy("Tenggat penyelesaian"),
}
VALUE_LABELS: dict[str, dict[Any, StrOrPromise]] = {
    "status": dict(Status.choices),
    "kind": dict(Kind.choices),
    "category": dict(Category.choices),
    "severity": dict(Severity.choices),
    "priority": dict(Priority.choices),
    "complainer_type": dict(ComplainerType.choices),
    "complainer_goal": dict(ComplainerGoal.choices),
    "response_type": dict(ResponseType.choices),
    "root_cause": dict(RootCause.choices),
    "customer_kind": dict(CustomerKind.choices),
    "temperament": dict(Temperament.choices),
}
# Indonesian, frozen at import: the proposal as customers are sent it (connectors/proposals.py)
COMPENSATION = {k: str(v) for k, v in CompensationType.choices}
# in the language of whoever reads the page
COMPENSATION_LABELS: dict[str, StrOrPromise] = dict(CompensationType.choices)
CUSTOMER_KINDS = frozenset({EventKind.MESSAGE_RECEIVED, EventKind.CREATED})
SLA_TARGETS = {
    "first_response": gettext_lazy("Respons pertama"),
    "next_response": gettext_lazy("Respons berikutnya"),
    "resolution": gettext_lazy("Penyelesaian"),
}


REVIEW_REQUEST_KINDS = frozenset({EventKind.PROPOSAL_CREATED, EventKind.PROPOSAL_RESUBMITTED})
SUPERVISOR_NOTE_KINDS = frozenset(
    {EventKind.PROPOSAL_DECLINED, EventKind.PROPOSAL_CHANGES, EventKind.PROPOSAL_REVIEW_NOTE}
)


def _fulfilment_lines(data: dict[str, Any]) -> list[str]:
    lines = [_("Kompensasi diberikan.") if data.get("given") else _("Kompensasi belum diberikan.")]
    if data.get("reference"):
        lines.append(_("Kode/referensi: %(ref)s") % {"ref": data["reference"]})
    if data.get("note"):
        lines.append(_("Catatan: %(note)s") % {"note": data["note"]})
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
    return str(VALUE_LABELS.get(field_name, {}).get(value, value))


def compensation_text(
    kind: str, amount: int, *, labels: Mapping[str, StrOrPromise] = COMPENSATION
) -> str:
    """Indonesian unless ``labels`` is ``COMPENSATION_LABELS`` (the reader's language)."""
    label = str(labels.get(kind, kind))
    return f"{label} {format_rupiah(amount)}" if amount else label


def customer_addresses(ticket: Ticket) -> frozenset[str]:
    """The ticket's customer's email addresses (from ``customer__contacts``, which the
    portal's selector prefetches)."""
    return email_addresses((c.kind, c.value) for c in ticket.customer.contacts.all())


def email_addresses(contacts: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The email addresses among a customer's (kind, value) contacts, in lower case."""
    return frozenset(value.lower() for kind, value in contacts if kind == ContactKind.EMAIL)


def _sender(msg: Message, own: frozenset[str]) -> tuple[str, bool]:
    """Who wrote an inbound message, and whether that is someone other than the customer:
    the address it came from is shown whenever the channel gave one."""
    if msg.author is not None:
        return msg.author.get_full_name(), False
    address = msg.sender_address
    if not address:
        return _("Pelanggan"), False
    if address.lower() in own:
        return _("Pelanggan (%(address)s)") % {"address": address}, False
    return _("%(address)s (bukan pelanggan)") % {"address": address}, True


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
            actor = _("Pelanggan") if e.kind in CUSTOMER_KINDS else _("Sistem")
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
                item.lines.append(_reason(data))
        elif e.kind in (
            EventKind.FIELD_CHANGED,
            EventKind.ASSIGNED,
            EventKind.TEAM_CHANGED,
            EventKind.TAGS_CHANGED,
        ):
            label = str(FIELD_LABELS.get(e.field, e.field))
            item.body = (
                f"{label}: {_value(e.field, e.old_value, names)} → "
                f"{_value(e.field, e.new_value, names)}"
            )
            if data.get("reason"):
                item.lines.append(_reason(data))
        elif e.kind == EventKind.RECORDED:
            item.body = str(data.get("facts", ""))
        elif e.kind == EventKind.CONFIRMATION:
            item.body = str(data.get("restatement", ""))
            item.lines.append(
                _("Pelanggan membenarkan.")
                if data.get("customer_confirmed")
                else _("Pelanggan belum membenarkan.")
            )
            if data.get("response"):
                item.lines.append(_("Tanggapan: %(text)s") % {"text": data["response"]})
        elif e.kind == EventKind.AUTOMATION:
            item.body = str(data.get("rule", ""))
            applied = ", ".join(str(a) for a in data.get("applied", []))
            item.lines.append(_("Tindakan: %(actions)s") % {"actions": applied})
        elif e.kind == EventKind.ESCALATED:
            item.body = _("Tingkat %(level)s") % {"level": data.get("level", "")}
            if data.get("reason"):
                item.lines.append(_reason(data))
        elif e.kind == EventKind.SLA_BREACHED and data.get("target"):
            item.body = str(SLA_TARGETS.get(str(data["target"]), str(data["target"])))
        elif e.kind == EventKind.SLA_RESUMED and data.get("paused_minutes"):
            item.body = _("Tenggat bergeser %(n)s menit kerja.") % {"n": data["paused_minutes"]}
        elif e.kind == EventKind.CREATED:
            item.body = str(data.get("subject", ""))
        elif e.kind == EventKind.CALL_LOGGED:
            minutes, seconds = divmod(int(data.get("duration_seconds") or 0), 60)
            if data.get("direction") == "inbound":
                call = _("Panggilan masuk, %(m)s menit %(s)s detik")
            else:
                call = _("Panggilan keluar, %(m)s menit %(s)s detik")
            item.body = call % {"m": minutes, "s": seconds}
            if data.get("outcome"):
                item.lines.append(_("Hasil: %(text)s") % {"text": data["outcome"]})
            if data.get("notes"):
                item.lines.append(str(data["notes"]))
        elif e.kind == EventKind.SURVEY_ANSWERED and data.get("csat") is not None:
            item.body = _("Kepuasan pelanggan (CSAT): %(n)s dari 5") % {"n": data["csat"]}
        elif e.kind in (EventKind.MERGED, EventKind.SPLIT, EventKind.LINKED):
            item.body = _link_text(e.kind, data)
        elif e.kind == EventKind.INCIDENT_LINKED:
            words = {"title": data.get("title", ""), "id": data.get("incident_id", "")}
            if data.get("linked", True):
                item.body = _("Ditautkan ke insiden #%(id)s “%(title)s”.") % words
            else:
                item.body = _("Dilepas dari insiden #%(id)s “%(title)s”.") % words
            if data.get("how") == "auto":
                item.lines.append(_("Otomatis: tiket baru ini cocok dengan kata kunci insiden."))
        elif e.kind == EventKind.OVERDUE_APOLOGY:
            target = str(SLA_TARGETS.get(str(data.get("target")), _("Perkiraan")))
            item.body = _("%(target)s: tenggat %(when)s terlewat.") % {
                "target": target,
                "when": _when(data.get("deadline")),
            }
            item.lines.append(
                _("Perkiraan baru untuk pelanggan: %(when)s")
                % {"when": _when(data.get("new_estimate"))}
            )
        elif e.kind == EventKind.FORMAL_ESCALATION:
            item.body = str(data.get("words", ""))
            item.lines.append(
                _("Atas tenggat %(when)s yang terlewat.") % {"when": _when(data.get("deadline"))}
            )
        elif "proposal_id" in data:
            item.body = str(data.get("summary", ""))
            compensation = compensation_text(
                str(data.get("compensation_type", "")),
                int(data.get("compensation_amount", 0)),
                labels=COMPENSATION_LABELS,
            )
            item.lines.append(_("Kompensasi: %(text)s") % {"text": compensation})
            if data.get("approval_reason") and e.kind in REVIEW_REQUEST_KINDS:
                item.lines.append(
                    _("Butuh persetujuan: %(text)s") % {"text": data["approval_reason"]}
                )
            if e.kind == EventKind.COMPENSATION_RECORDED:
                item.lines.extend(_fulfilment_lines(data))
            elif data.get("reason"):
                if e.kind in SUPERVISOR_NOTE_KINDS:
                    item.lines.append(_("Catatan supervisor: %(text)s") % {"text": data["reason"]})
                else:
                    item.lines.append(_reason(data))
            if data.get("answered_by") == "customer":
                _customer_answer(item, data, names)
        if data.get("merged_from"):  # copied from a ticket merged into this one
            item.lines.append(
                _("Dari %(ref)s") % {"ref": ticket_reference(int(data["merged_from"]))}
            )
        out.append(item)
    return out


def _when(value: Any, tz: str = "") -> str:
    from sigap.tickets.guidance import when

    return when(datetime.fromisoformat(value), tz) if isinstance(value, str) and value else "—"


# The timeline as the customer reads it (the portal): what happened to their ticket in
# their words, not the procedure's ("Tercatat → Terkonfirmasi").
CUSTOMER_TITLES: dict[str, StrOrPromise] = {
    EventKind.CREATED: gettext_lazy("Tiket Anda kami terima"),
    EventKind.MESSAGE_RECEIVED: gettext_lazy("Pesan Anda"),
    EventKind.REPLY_SENT: gettext_lazy("Balasan dari kami"),
    EventKind.STATUS_CHANGED: gettext_lazy("Perkembangan"),
    EventKind.CONFIRMATION: gettext_lazy("Kami memastikan pemahaman kami"),
    EventKind.APOLOGY: gettext_lazy("Permintaan maaf dari kami"),
    EventKind.PROPOSAL_CREATED: gettext_lazy("Usulan penyelesaian dari kami"),
    EventKind.PROPOSAL_APPROVED: gettext_lazy("Usulan penyelesaian dari kami"),
    EventKind.PROPOSAL_ACCEPTED: gettext_lazy("Anda menyetujui usulan kami"),
    EventKind.PROPOSAL_REJECTED: gettext_lazy("Anda menolak usulan kami"),
    EventKind.PROPOSAL_WITHDRAWN: gettext_lazy("Usulan kami tarik kembali"),
    EventKind.PROPOSAL_REASON: gettext_lazy("Alasan penolakan Anda"),
    EventKind.OVERDUE_APOLOGY: gettext_lazy("Maaf, kami melewati tenggat"),
    EventKind.FORMAL_ESCALATION: gettext_lazy("Teguran resmi Anda"),
}
CUSTOMER_HIDDEN = frozenset(
    {EventKind.FIELD_CHANGED, EventKind.ASSIGNED, EventKind.TEAM_CHANGED, EventKind.TAGS_CHANGED}
)


def customer_items(
    events: Iterable[TimelineEvent],
    messages: dict[int, Message],
    *,
    own_addresses: frozenset[str] = frozenset(),
    tz: str = "",
) -> list[Item]:
    """``items`` for the customer's own page: the staff's field bookkeeping left out,
    the titles and the status changes in the customer's language, a status change that
    says nothing new to them (two procedure steps they see as one) dropped."""
    from sigap.tickets.guidance import customer_status

    out: list[Item] = []
    shown = {e.pk: e for e in events if e.kind not in CUSTOMER_HIDDEN}
    customer = _("Pelanggan")
    for item in items(shown.values(), messages, {}, own_addresses=own_addresses):
        event = shown[item.id]
        e_data = event.data or {}
        if item.kind in CUSTOMER_TITLES:
            item.title = str(CUSTOMER_TITLES[item.kind])
        if item.actor == customer or (event.actor is not None and event.actor.is_customer):
            item.actor = _("Anda")
        elif event.actor_id is None and item.kind != EventKind.MESSAGE_RECEIVED:
            item.actor = _("Kami")  # Sigap itself: an acknowledgement, an apology
        if item.kind == EventKind.STATUS_CHANGED:
            old, new = customer_status(str(event.old_value)), customer_status(str(event.new_value))
            if old == new:
                continue
            item.body = _("Sekarang: %(status)s") % {"status": new}
        elif item.kind == EventKind.CONFIRMATION:
            item.lines = [
                _("Anda membenarkan pemahaman kami.")
                if e_data.get("customer_confirmed")
                else _("Kami menunggu Anda membenarkannya.")
            ]
        elif item.kind == EventKind.OVERDUE_APOLOGY:
            item.body = _(
                "Mohon maaf, kami belum memenuhi janji kami: tenggat %(deadline)s sudah "
                "lewat. Kami tetap menangani tiket Anda; perkiraan baru kami: %(estimate)s."
            ) % {
                "deadline": _when(e_data.get("deadline"), tz),
                "estimate": _when(e_data.get("new_estimate"), tz),
            }
            item.lines = []
        elif item.kind == EventKind.FORMAL_ESCALATION:
            item.lines = [_("Supervisor kami sudah diberi tahu dan menanganinya.")]
        out.append(item)
    return out


def _link_text(kind: str, data: dict[str, Any]) -> str:
    """The merge, split and link entries (``tickets/services/links.py``)."""

    def ref(key: str) -> str:
        return ticket_reference(int(data.get(key) or 0))

    if kind == EventKind.MERGED:
        if data.get("role") == "source":
            return _("Tiket ini digabung ke %(ref)s.") % {"ref": ref("target_id")}
        return _("%(ref)s digabung ke tiket ini: %(messages)s pesan, %(attachments)s lampiran.") % {
            "ref": ref("source_id"),
            "messages": data.get("messages", 0),
            "attachments": data.get("attachments", 0),
        }
    if kind == EventKind.SPLIT:
        if data.get("role") == "new":
            return _("Dipisah dari %(ref)s.") % {"ref": ref("original_id")}
        return _("Satu pesan dipisah menjadi tiket %(ref)s.") % {"ref": ref("new_id")}
    if data.get("linked"):
        return _("Ditautkan ke %(ref)s.") % {"ref": ref("other_id")}
    return _("Tautan dilepas dari %(ref)s.") % {"ref": ref("other_id")}


def _customer_answer(item: Item, data: dict[str, Any], names: dict[str, dict[int, str]]) -> None:
    """The customer's answer to a proposal: said by the customer, how, and (when an agent
    recorded it) their words, when they said it and who wrote it down."""
    from sigap.tickets.services.proposal_answers import via_label

    recorder = data.get("recorded_by")
    if recorder:
        who = names.get("assignee", {}).get(recorder) or item.actor
        item.actor = _("Pelanggan (dicatat oleh %(name)s)") % {"name": who}
    else:
        item.actor = _("Pelanggan")
    item.lines.append(_("Lewat: %(via)s") % {"via": via_label(str(data.get("via", "")))})
    if data.get("words"):
        item.lines.append(_("Kata pelanggan: “%(words)s”") % {"words": data["words"]})
    if data.get("said_at"):
        from sigap.tickets.guidance import when

        said = when(datetime.fromisoformat(str(data["said_at"])))
        item.lines.append(_("Diucapkan: %(when)s") % {"when": said})
