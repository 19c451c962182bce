"""What the agent sees of triage on the ticket page."""

from __future__ import annotations

from typing import Any

from sigap.tickets.models import Category, RootCause, Severity
from sigap.triage.models import TicketTriage

TASK_LABELS = {
    "sentiment": "Sentimen",
    "category": "Kategori",
    "severity": "Tingkat",
    "root_cause": "Akar masalah",
}
VALUE_LABELS: dict[str, dict[str, str]] = {
    "sentiment": {"positif": "Positif", "netral": "Netral", "negatif": "Negatif"},
    "category": {k: str(v) for k, v in Category.choices},
    "severity": {k: str(v) for k, v in Severity.choices},
    "root_cause": {k: str(v) for k, v in RootCause.choices},
}


def triage_panel(ticket_id: int) -> dict[str, Any] | None:
    record = TicketTriage.objects.filter(ticket_id=ticket_id).first()
    if record is None:
        return None
    rows = []
    for task, label in TASK_LABELS.items():
        p = record.predictions.get(task)
        if not p:
            continue
        rows.append(
            {
                "task": task,
                "label": label,
                "value": VALUE_LABELS[task].get(p["label"], p["label"]),
                "confidence": round(100 * float(p["confidence"])),
                "words": p.get("words", []),
                "applied": task in record.applied,
                "version": record.versions.get(task),
            }
        )
    return {
        "rows": rows,
        "safety": record.safety,
        "signals": record.safety_signals,
        "priority_reason": record.priority_reason,
    }
