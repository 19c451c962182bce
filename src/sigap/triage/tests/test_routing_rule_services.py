"""Routing rules written through the services: validation, who may change which rule,
ordering (the first matching rule wins), the audit record, and the dry run."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone, translation

from sigap.accounts.models import SecurityEvent, SecurityKind, Team, User
from sigap.core.errors import PermissionDenied, ValidationFailed
from sigap.customers.models import Customer
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Ticket
from sigap.triage import routing, services
from sigap.triage.models import RoutingRule

pytestmark = pytest.mark.django_db


def _fields(to: Team, **kw: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": "Paket", "team": to.pk, "keywords": ["paket"]}
    fields.update(kw)
    return fields


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "  "}, "name", "Nama aturan wajib diisi."),
        ({"team": None}, "team", "Pilih tim tujuan."),
        ({"team": 999999}, "team", "Tim yang dipilih tidak ada."),
        ({"keywords": ["paket", ""]}, "keywords", "Kata kunci tidak boleh kosong."),
        ({"channels": ["fax"]}, "channels", "Nilai tidak dikenal: fax."),
        ({"weekdays": [7]}, "weekdays", "Nilai tidak dikenal: 7."),
        ({"hour_from": 25}, "hour_from", "Jam harus bilangan 0 sampai 24."),
        ({"hour_from": 17, "hour_to": 8}, "hour_to", "“Sampai jam” harus sesudah “dari jam”."),
        ({"colour": ["red"]}, "__all__", "Syarat tidak dikenal: “colour”."),
    ],
)
def test_a_bad_rule_is_refused_precisely_and_not_saved(
    admin: User, team: Team, change: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.routing_rule_create(actor=admin, fields=_fields(team, **change))
    assert caught.value.fields[field] == [message]
    assert not RoutingRule.objects.exists()


def test_a_supervisor_routes_only_into_their_own_teams(
    supervisor: User, team: Team, other_team: Team, agent: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.routing_rule_create(actor=supervisor, fields=_fields(other_team))
    ours = services.routing_rule_create(actor=supervisor, fields=_fields(team))
    with pytest.raises(PermissionDenied):  # nor hand their rule to another team
        services.routing_rule_update(actor=supervisor, rule=ours, fields=_fields(other_team))
    theirs = RoutingRule.objects.create(name="Bayar", team=other_team, position=5)
    with pytest.raises(PermissionDenied):  # nor jump ahead of another team's rule
        services.routing_rule_move(actor=supervisor, rule=ours, up=True)
    with pytest.raises(PermissionDenied):
        services.routing_rule_delete(actor=supervisor, rule=theirs)
    with pytest.raises(PermissionDenied):
        services.routing_rule_create(actor=agent, fields=_fields(team))
    ours.refresh_from_db()
    assert ours.team_id == team.pk and ours.position == 10
    assert RoutingRule.objects.count() == 2


def test_the_order_decides_which_rule_routes_and_each_change_is_audited(
    admin: User, team: Team, other_team: Team, agent: User, customer: Customer
) -> None:
    first = services.routing_rule_create(actor=admin, fields=_fields(team))
    second = services.routing_rule_create(
        actor=admin, fields=_fields(other_team, name="Paket ke bayar")
    )
    ticket = ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="whatsapp",
        subject="Paket hilang",
        description="Paket belum datang.",
    )
    ticket = Ticket.objects.select_related("customer").get(pk=ticket.pk)
    ticket.team = None
    assert routing.decide(ticket).team == team
    services.routing_rule_move(actor=admin, rule=second, up=True)
    assert routing.decide(ticket).team == other_team
    services.routing_rule_set_active(actor=admin, rule=second, active=False)
    assert routing.decide(ticket).team == team
    first = services.routing_rule_update(
        actor=admin, rule=first, fields=_fields(team, keywords=["kurir"])
    )
    assert routing.decide(ticket).team is None
    details = list(
        SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED)
        .order_by("pk")
        .values_list("detail", "data")
    )
    assert [d for d, _ in details] == [
        "aturan perutean “Paket” dibuat",
        "aturan perutean “Paket ke bayar” dibuat",
        "aturan perutean “Paket ke bayar” dipindah ke atas",
        "aturan perutean “Paket ke bayar” dinonaktifkan",
        "aturan perutean “Paket” diubah",
    ]
    moved, changed = details[2][1], details[4][1]
    assert (moved["before"]["position"], moved["after"]["position"]) == (20, 10)
    assert (changed["before"]["keywords"], changed["after"]["keywords"]) == (["paket"], ["kurir"])


def test_the_dry_run_uses_the_routers_matching_at_the_time_each_ticket_came_in(
    admin: User, team: Team, agent: User, customer: Customer
) -> None:
    made = [
        ticket_services.ticket_create(
            actor=agent,
            customer=customer,
            kind="complaint",
            channel=channel,
            subject=subject,
            description="Tolong dibantu.",
        )
        for channel, subject in [("email", "Paket rusak"), ("phone", "Paket"), ("email", "Lain")]
    ]
    rule = services.build(_fields(team, channels=["email"]))
    assert rule.pk is None
    looked_at, matched, taken = routing.dry_run(rule)
    assert looked_at == 3 and [t.pk for t in matched] == [made[0].pk] and taken == {}
    today = timezone.localtime(made[0].created_at).weekday()
    other_days = services.build(
        _fields(team, channels=["email"], weekdays=[d for d in range(7) if d != today])
    )
    assert routing.dry_run(other_days)[1] == []  # the day each ticket came in counts
    # an active rule above it takes the ticket first; a saved rule is judged in its place
    above = services.routing_rule_create(actor=admin, fields=_fields(team, name="Semua paket"))
    assert routing.dry_run(rule)[2] == {made[0].pk: "Semua paket"}
    saved = services.routing_rule_create(actor=admin, fields=_fields(team, channels=["email"]))
    services.routing_rule_move(actor=admin, rule=saved, up=True)
    saved.refresh_from_db()
    assert routing.dry_run(saved)[2] == {}
    above.refresh_from_db()
    assert routing.dry_run(above)[2] == {made[0].pk: "Paket"}


def test_the_audit_detail_is_stored_in_the_default_language_and_has_its_english(
    admin: User, team: Team
) -> None:
    """Changed by someone reading English, the log keeps the business's language (read by
    everyone later); the catalog carries the sentence's English."""
    with translation.override("en"):
        rule = services.routing_rule_create(actor=admin, fields=_fields(team, name="Kirim"))
        services.routing_rule_set_active(actor=admin, rule=rule, active=False)
    details = list(
        SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED)
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert details[-2:] == [
        "aturan perutean “Kirim” dibuat",
        "aturan perutean “Kirim” dinonaktifkan",
    ]
    with translation.override("en"):
        english = translation.gettext("aturan perutean “%(name)s” dinonaktifkan")
    assert english % {"name": "Kirim"} == "routing rule “Kirim” deactivated"
