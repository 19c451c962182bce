"""Triage in the product: the active models in memory, triage of a new ticket, the
examples agents' corrections produce, and retraining with a held-out gate.

Safety comes first and synchronously (``subscribers.intake`` answers the ticket core's
intake hook with ``safety_override``); the classifiers run in the worker right after the
ticket commits (``subscribers.classify``, a background hook) and fill the fields the agent
left empty when they are confident enough, with the reason in the timeline.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts.system import system_user
from sigap.core.errors import StaleVersion
from sigap.core.locale import in_default_language, said_in_default_language
from sigap.core.memo import SharedMemo
from sigap.metrics.facts import refresh
from sigap.text.safety import detect
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.triage import classify
from sigap.triage.classify import TASKS, Prediction, TextModel
from sigap.triage.models import Example, ModelVersion, TicketTriage
from sigap.triage.priority import priority_for
from sigap.triage.routing import route

__all__ = ["TASKS", "detect"]

log = logging.getLogger(__name__)
APPLY_AT = 0.6  # fill an empty field when the model is at least this sure
FIELDS = {"category": "category", "severity": "severity", "root_cause": "root_cause"}
SAFETY_TAG = "keselamatan"


def _load() -> dict[str, tuple[int, TextModel]]:
    out: dict[str, tuple[int, TextModel]] = {}
    for row in ModelVersion.objects.filter(active=True):
        out[row.task] = (row.version, TextModel.loads(bytes(row.blob)))
    return out


_models: SharedMemo[dict[str, tuple[int, TextModel]]] = SharedMemo(
    "triage-models", _load, max_age=600
)


def active() -> dict[str, tuple[int, TextModel]]:
    models = _models.get()
    if len(models) < len(TASKS):
        ensure_models()
        models = _models.get()
    return models


def ensure_models() -> list[str]:
    """Cold start: train every task without an active model from the shipped data."""
    trained = []
    for task in TASKS:
        if ModelVersion.objects.filter(task=task, active=True).exists():
            continue
        model, held = classify.train_shipped(task)
        texts, _ = classify.shipped(task, "train")
        _store(
            task,
            model,
            held,
            trained_on=len(texts),
            corrections=0,
            note=said_in_default_language(gettext_lazy("data bawaan")),
        )
        trained.append(task)
    if trained:
        _models.invalidate()
    return trained


@transaction.atomic
def _store(
    task: str,
    model: TextModel,
    held: classify.Scores,
    *,
    trained_on: int,
    corrections: int,
    note: str,
) -> ModelVersion:
    last = ModelVersion.objects.filter(task=task).aggregate(v=Max("version"))["v"] or 0
    ModelVersion.objects.filter(task=task, active=True).update(active=False)
    return ModelVersion.objects.create(
        task=task,
        version=last + 1,
        blob=model.dumps(),
        scores=held.as_dict(),
        trained_on=trained_on,
        corrections=corrections,
        active=True,
        note=note,
    )


@dataclass(frozen=True)
class Triage:
    predictions: dict[str, Prediction]
    versions: dict[str, int]


def predict(text: str) -> Triage:
    models = active()
    doc = [classify.features(text)]
    predictions: dict[str, Prediction] = {}
    versions: dict[str, int] = {}
    for task, (version, model) in models.items():
        predictions[task] = model.predict_features(doc)[0]
        versions[task] = version
    return Triage(predictions, versions)


def predict_many(texts: list[str]) -> list[dict[str, Prediction]]:
    """Every task for many texts, sharing the text pipeline (the throughput benchmark)."""
    docs = [classify.features(t) for t in texts]
    per_task = {task: model.predict_features(docs) for task, (_, model) in active().items()}
    return [{task: rows[i] for task, rows in per_task.items()} for i in range(len(texts))]


def ticket_text(subject: str, description: str) -> str:
    return f"{subject}\n{description}"


@dataclass(frozen=True)
class SafetyOverride:
    severity: str
    priority: int
    signals: tuple[str, ...]
    words: tuple[str, ...]


def safety_override(subject: str, description: str) -> SafetyOverride | None:
    """Anything about injury, fire, poisoning, violence, self-harm...: severity *penting*
    and P1 at once, whatever else says otherwise."""
    found = detect(ticket_text(subject, description))
    if not found.is_safety:
        return None
    return SafetyOverride("penting", 1, tuple(found.signals), tuple(found.words))


def triage_ticket(ticket_id: int, *, refresh_metrics: bool = True) -> TicketTriage | None:
    """Classify a new ticket, record what was concluded, and fill empty fields the model
    is sure about (as the automation user, through the services, with the reason).

    ``refresh_metrics=False`` leaves the ticket's metrics facts alone, for a caller that
    rebuilds every fact afterwards anyway (the demo loader).

    Once per ticket, whoever runs it: the job queued at the commit and the catch-up sweep
    may both reach a ticket; the second finds the first one's record. A ticket changed
    by someone else while it was being classified is classified again from its new state."""
    for attempt in (1, 2):
        try:
            return _triage(ticket_id, refresh_metrics=refresh_metrics)
        except IntegrityError:
            theirs = TicketTriage.objects.filter(ticket_id=ticket_id).first()
            if theirs is None:
                raise
            return theirs  # another worker recorded it between our check and insert
        except StaleVersion:
            if attempt == 2:
                raise
    return None  # pragma: no cover  (the loop returns or raises)


@in_default_language  # the reasons it writes (the timeline, the triage record) are stored
def _triage(ticket_id: int, *, refresh_metrics: bool) -> TicketTriage | None:
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None:
        return None
    existing = TicketTriage.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing  # once per ticket (a retried job)
    text = ticket_text(ticket.subject, ticket.description)
    result = predict(text)
    safety = detect(text)
    changes: dict[str, Any] = {}
    reasons = []
    if ticket.kind == "complaint" and ticket.is_open:  # a finished ticket is only recorded
        for task, field in FIELDS.items():
            p = result.predictions.get(task)
            if p and not getattr(ticket, field) and p.confidence >= APPLY_AT:
                if task == "severity" and safety.is_safety:
                    continue  # safety already decided it
                changes[field] = p.label
                reasons.append(f"{field}={p.label} ({round(p.confidence * 100)}%)")
    severity = changes.get("severity", ticket.severity)
    priority, why = priority_for(severity, ticket.customer.loyalty_tier, ticket.customer.kind)
    if safety.is_safety:
        priority, why = (
            1,
            _("Sinyal keselamatan: %(signals)s → P1") % {"signals": ", ".join(safety.signals)},
        )
    elif "severity" in changes and priority != ticket.priority:
        changes["priority"] = priority
    with transaction.atomic():
        # the ticket's row lock makes a concurrent run wait, then find this one's record
        list(Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk"))
        existing = TicketTriage.objects.filter(ticket=ticket).first()
        if existing is not None:
            return existing
        record = TicketTriage.objects.create(
            ticket=ticket,
            predictions={
                task: {"label": p.label, "confidence": p.confidence, "words": list(p.words)}
                for task, p in result.predictions.items()
            },
            versions=result.versions,
            safety=safety.is_safety,
            safety_signals=list(safety.signals),
            priority_reason=why,
            applied=sorted(changes),
        )
        if changes:
            services.ticket_update(
                actor=system_user(),
                ticket=ticket,
                version=ticket.version,
                changes=changes,
                reason=_("Triase otomatis: %(changes)s") % {"changes": ", ".join(reasons)},
            )
    route(ticket.pk)  # with the category known, to a team and an agent
    if refresh_metrics:
        refresh([ticket.pk])  # the sentiment counts in the metrics at once
    return record


CATCH_UP_AFTER = timedelta(minutes=2)  # the job queued at the commit had its chance
CATCH_UP_WITHIN = timedelta(minutes=30)
CATCH_UP_BATCH = 200


def catch_up(now: datetime | None = None) -> int:
    """Triage the tickets whose job was lost (the process died between the commit and the
    enqueue, or the queue lost it): opened more than ``CATCH_UP_AFTER`` and less than
    ``CATCH_UP_WITHIN`` ago, with no triage record. Returns how many it triaged."""
    if not settings.SIGAP_TRIAGE:
        return 0
    now = now or timezone.now()
    missed = list(
        Ticket.objects.filter(
            created_at__gte=now - CATCH_UP_WITHIN,
            created_at__lte=now - CATCH_UP_AFTER,
            triage__isnull=True,
        )
        .order_by("id")
        .values_list("pk", flat=True)[:CATCH_UP_BATCH]
    )
    done = 0
    for pk in missed:
        try:
            done += triage_ticket(pk) is not None
        except Exception:  # one ticket's failure must not stop the sweep for the others
            log.exception("triage of ticket %s failed; the next sweep tries again", pk)
    return done


def _held_out(text: str) -> bool:
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % 5 == 0


def record_correction(ticket: Any, task: str, label: str) -> None:
    """An agent set or changed a field triage predicts: a labelled example."""
    if task not in TASKS or not label:
        return
    text = ticket_text(ticket.subject, ticket.description)
    Example.objects.update_or_create(
        task=task,
        ticket=ticket,
        defaults={"text": text, "label": label, "held_out": _held_out(text)},
    )


@dataclass(frozen=True)
class Retrained:
    task: str
    candidate: float
    current: float | None
    replaced: bool
    examples: int


def retrain(task: str, *, force: bool = False) -> Retrained | None:
    """Train a candidate on the shipped data plus agents' examples; it replaces the
    active model only if its macro-F1 on the held-out set (the shipped evaluation set and
    the held-out examples) is at least the active model's on the same set."""
    current = ModelVersion.objects.filter(task=task, active=True).first()
    examples = list(Example.objects.filter(task=task).values_list("text", "label", "held_out"))
    if current is not None and not force and len(examples) == current.corrections:
        return None  # nothing new to learn from
    texts, labels = classify.shipped(task, "train")
    held_texts, held_labels = classify.shipped(task, "eval")
    for text, label, held in examples:
        (held_texts if held else texts).append(text)
        (held_labels if held else labels).append(label)
    candidate = TextModel(min_df=2 if task == "sentiment" else 1).fit(texts, labels)
    candidate_scores = candidate.score(held_texts, held_labels)
    current_f1 = None
    if current is not None:
        current_f1 = TextModel.loads(bytes(current.blob)).score(held_texts, held_labels).macro_f1
    replaced = current_f1 is None or candidate_scores.macro_f1 >= current_f1
    if replaced:
        _store(
            task,
            candidate,
            candidate_scores,
            trained_on=len(texts),
            corrections=len(examples),
            note=_("dilatih ulang dengan %(n)s contoh dari agen") % {"n": len(examples)},
        )
        _models.invalidate()
    elif current is not None:
        # remember that these examples were seen, so the job does not retry every day
        ModelVersion.objects.filter(pk=current.pk).update(corrections=len(examples))
    return Retrained(task, candidate_scores.macro_f1, current_f1, replaced, len(examples))
