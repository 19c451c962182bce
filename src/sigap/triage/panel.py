"""What the agent sees of triage on the ticket page: what the model concluded, beside
what the ticket says now (an agent's correction wins; the model's answer is then only a
suggestion), and the words that weighed most, without the stop words."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from sigap.text.indonesian import stopwords
from sigap.tickets.models import Category, RootCause, Severity, Ticket
from sigap.triage.models import TicketTriage

# Lazy: said in the reader's language when the panel is built, not the import's.
TASK_LABELS: dict[str, str | Promise] = {
    "sentiment": gettext_lazy("Sentimen"),
    "category": gettext_lazy("Golongan"),
    "severity": gettext_lazy("Tingkat"),
    "root_cause": gettext_lazy("Penyebab keluhan"),
}
VALUE_LABELS: dict[str, dict[str, str | Promise]] = {
    "sentiment": {
        "positif": gettext_lazy("Positif"),
        "netral": gettext_lazy("Netral"),
        "negatif": gettext_lazy("Negatif"),
    },
    "category": dict(Category.choices),
    "severity": dict(Severity.choices),
    "root_cause": dict(RootCause.choices),
}
TICKET_FIELDS = frozenset({"category", "severity", "root_cause"})


def telling_words(words: list[str]) -> list[str]:
    """The model's weightiest words (or word pairs) that say something: a word or a pair
    made only of stop words ("yang", "tidak bisa" stays, "dan yang" goes) is left out."""
    stop = stopwords()
    return [w for w in words if any(part not in stop for part in w.lower().split())]


def triage_panel(ticket: Ticket) -> dict[str, Any] | None:
    record = TicketTriage.objects.filter(ticket_id=ticket.pk).first()
    if record is None:
        return None
    rows = []
    for task, label in TASK_LABELS.items():
        p = record.predictions.get(task)
        if not p:
            continue
        labels = VALUE_LABELS[task]
        suggested = str(p["label"])
        row: dict[str, Any] = {
            "task": task,
            "label": str(label),
            "suggestion": str(labels.get(suggested, suggested)),
            "confidence": round(100 * float(p["confidence"])),
            "words": telling_words(list(p.get("words", []))),
            "applied": task in record.applied,
            "version": record.versions.get(task),
            "current": None,  # sentiment: the model's answer is all there is
            "differs": False,
        }
        if task in TICKET_FIELDS:
            now = str(getattr(ticket, task) or "")
            row["current"] = str(labels.get(now, now))
            row["differs"] = now != suggested
        rows.append(row)
    return {
        "rows": rows,
        "safety": record.safety,
        "signals": record.safety_signals,
        "priority_reason": record.priority_reason,
    }
