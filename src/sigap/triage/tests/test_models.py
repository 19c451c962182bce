"""Triage on tickets: safety at once, classification with confidence and words, fields
filled when sure, agents' corrections as examples, retraining with a held-out gate, the
priority matrix, and the command line."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from django.core.management import call_command

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.triage import classify, service
from sigap.triage.models import Example, ModelVersion, PriorityRule, TicketTriage
from sigap.triage.priority import priority_for
from sigap.web.tests.pages import ticket_html


@pytest.fixture
def trained(db: None) -> None:
    # classify.train_shipped trains each model once per run (the root conftest.py)
    service._models.invalidate()
    service.ensure_models()


def test_the_shipped_sentiment_model_scores_on_smsa_valid() -> None:
    """The figure the issue asks for: macro-F1 >= 0.85 on the SmSA validation split."""
    _, held = classify.train_shipped("sentiment")
    assert held.n == 1260 and held.macro_f1 >= 0.85


@pytest.mark.django_db
def test_a_safety_message_is_penting_and_p1_at_once(agent: User, customer: Customer) -> None:
    ticket = services.ticket_create(
        actor=None,
        customer=customer,
        kind="complaint",
        channel="whatsapp",
        subject="Charger",
        description="Anak sy kesetrum pas pegang charger dari toko kalian!!",
        severity="sederhana",
    )
    assert (ticket.severity, ticket.priority) == ("penting", 1)
    assert "keselamatan" in ticket.tags.values_list("name", flat=True)
    event = ticket.events.get(kind="automation")
    assert "listrik" in event.data["applied"][0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_ticket_is_classified_and_confident_fields_filled(
    trained: None, settings: object, agent: User, team: Team, customer: Customer
) -> None:
    settings.SIGAP_TRIAGE = True  # type: ignore[attr-defined]
    ticket = services.ticket_create(
        actor=None,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Kurir kasar",
        description="Kurirnya kasar banget, saya dibentak-bentak waktu minta paket diantar ke "
        "depan pintu. Tidak sopan sama sekali.",
    )
    record = TicketTriage.objects.get(ticket=ticket)
    sentiment = record.predictions["sentiment"]
    assert sentiment["label"] == "negatif" and 0 < sentiment["confidence"] <= 1
    assert sentiment["words"]  # what weighed most
    assert record.predictions["category"]["label"] == "attitudinal"
    assert record.versions == {"sentiment": 1, "category": 1, "severity": 1, "root_cause": 1}
    ticket.refresh_from_db()
    if "category" in record.applied:
        assert ticket.category == "attitudinal"
        change = ticket.events.get(kind="field_changed", field="category")
        assert change.data["reason"].startswith("Triase otomatis")
    assert "Tingkat" in record.priority_reason and "Gold" in record.priority_reason


@pytest.mark.django_db
def test_corrections_become_examples_once_per_ticket(agent: User, ticket: Ticket) -> None:
    services.ticket_update(
        actor=agent, ticket=ticket, version=ticket.version, changes={"category": "service"}
    )
    ticket.refresh_from_db()
    services.ticket_update(
        actor=agent, ticket=ticket, version=ticket.version, changes={"category": "mechanical"}
    )
    (example,) = Example.objects.filter(task="category")
    assert example.label == "mechanical" and ticket.subject in example.text


@pytest.mark.django_db
def test_retraining_replaces_the_model_only_when_it_is_not_worse(trained: None) -> None:
    assert service.retrain("severity") is None  # nothing new
    texts, labels = classify.shipped("severity", "eval")
    # good examples: more of the same kind of data
    for text, label in zip(texts[:20], labels[:20], strict=True):
        Example.objects.create(task="severity", text=text + " (ulang)", label=label, held_out=False)
    good = service.retrain("severity")
    assert good is not None and good.replaced
    assert ModelVersion.objects.get(task="severity", active=True).version == 2
    # sabotage: hundreds of confidently wrong labels
    rng = random.Random(3)
    train_texts, train_labels = classify.shipped("severity", "train")
    for text, label in zip(train_texts, train_labels, strict=True):
        wrong = rng.choice([x for x in ("penting", "sederhana", "kompleks") if x != label])
        Example.objects.create(task="severity", text=text + " lagi", label=wrong, held_out=False)
    bad = service.retrain("severity")
    assert bad is not None and not bad.replaced and bad.candidate < (bad.current or 0)
    assert ModelVersion.objects.get(task="severity", active=True).version == 2


@pytest.mark.django_db
def test_the_priority_matrix_is_configurable_with_reasons() -> None:
    assert priority_for("sederhana", "regular") == (3, "Tingkat sederhana × pelanggan Reguler → P3")
    assert priority_for("sederhana", "gold")[0] == 2  # loyal customers move up
    PriorityRule.objects.create(
        severity="sederhana", tier="regular", customer_kind="internal", priority=4
    )
    value, why = priority_for("sederhana", "regular", "internal")
    assert value == 4 and "Internal" in why
    assert priority_for("sederhana", "regular", "external")[0] == 3


@pytest.mark.django_db
def test_the_command_line_evaluates_and_predicts(
    trained: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "sev.tsv"
    texts, labels = classify.shipped("severity", "eval")
    data.write_text(
        "text\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in zip(texts, labels, strict=True))
    )
    out = io.StringIO()
    call_command("triage", "eval", str(data), stdout=out)
    printed = out.getvalue()
    assert "task severity: 126 rows" in printed and "macro-F1" in printed and "penting" in printed
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("HP saya mati total setelah update\n\nada asap dari colokan\n")
    )
    out = io.StringIO()
    call_command("triage", "predict", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 2 and rows[1]["safety"]["is_safety"] and not rows[0]["safety"]["is_safety"]
    assert set(rows[0]) >= {"sentiment", "category", "severity", "root_cause"}
    bad = tmp_path / "bad.tsv"
    bad.write_text("tanpa tab\n")
    with pytest.raises(Exception, match="expected 'text<TAB>label'"):
        call_command("triage", "eval", str(bad))


@pytest.mark.django_db
def test_the_agent_sees_triage_on_the_ticket(trained: None, agent: User, ticket: Ticket) -> None:
    from django.test import Client

    service.triage_ticket(ticket.pk)
    c = Client()
    c.force_login(agent)
    page = ticket_html(c, ticket.pk)  # the panel is in the side column
    assert "data-triage" in page and 'data-triage-task="sentiment"' in page
    assert "yakin" in page and "data-priority-reason" in page


@pytest.mark.django_db
def test_the_sentiment_reaches_the_metrics(trained: None, ticket: Ticket) -> None:
    from sigap.metrics import compute, sync
    from sigap.metrics.models import TicketFact

    service.triage_ticket(ticket.pk)
    label = TicketTriage.objects.get(ticket=ticket).predictions["sentiment"]["label"]
    assert TicketFact.objects.get(pk=ticket.pk).sentiment == label
    assert sync.verify([ticket.pk]) == []
    day = ticket.created_at.astimezone(compute.tz()).date()
    assert compute.breakdown(compute.Filter(day, day), "sentiment") == [(label, 1)]


@pytest.mark.django_db
def test_a_caller_that_rebuilds_the_metrics_can_leave_them_to_the_rebuild(
    trained: None, ticket: Ticket
) -> None:
    from sigap.metrics import facts, sync

    before = facts.stored([ticket.pk])
    service.triage_ticket(ticket.pk, refresh_metrics=False)
    label = TicketTriage.objects.get(ticket=ticket).predictions["sentiment"]["label"]
    assert facts.stored([ticket.pk]) == before  # the facts were not touched
    sync.rebuild()
    assert facts.stored([ticket.pk])[ticket.pk].sentiment == label
    assert sync.verify([ticket.pk]) == []
