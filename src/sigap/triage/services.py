"""Writing routing rules (the settings builder): create, change, switch on and off,
reorder, delete. Admins may change every rule; a supervisor only the rules into the teams
they supervise (and may not move a rule to another team). Every rule is validated whole
(``check_routing_rule``: one precise message per problem, nothing saved when any), and each
change leaves a ``settings_changed`` record with the rule before and after."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import audit
from sigap.accounts.models import Role, SecurityKind, Team, User
from sigap.core.errors import NotFound, PermissionDenied, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.customers.models import CustomerKind, LoyaltyTier
from sigap.tickets.models import Category, Channel
from sigap.triage.models import RoutingRule

_CHOICES: dict[str, list[Any]] = {
    "channels": list(Channel.values),
    "categories": [v for v in Category.values if v],
    "tiers": list(LoyaltyTier.values),
    "customer_kinds": list(CustomerKind.values),
    "languages": ["id", "en"],
    "weekdays": list(range(7)),
}
FIELDS = ("name", "team", "keywords", *_CHOICES, "hour_from", "hour_to", "active")
MAX_KEYWORD = 100


def may_edit_routing(user: User, team_id: int | None) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.SUPERVISOR or team_id is None:
        return False
    return Team.objects.filter(pk=team_id, supervisor_id=user.pk).exists()


def check_routing_rule(fields: dict[str, Any]) -> dict[str, Any]:
    """The rule's fields, cleaned, or ``ValidationFailed`` naming every problem by field."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        errors["__all__"] = [_("Syarat tidak dikenal: “%(key)s”.") % {"key": ", ".join(unknown)}]
    clean: dict[str, Any] = {"active": bool(fields.get("active", True))}
    name = str(fields.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Nama aturan wajib diisi.")]
    elif len(name) > 120:
        errors["name"] = [_("Nama paling panjang 120 karakter.")]
    clean["name"] = name
    team = fields.get("team")
    team_obj = Team.objects.filter(pk=int(str(team))).first() if str(team or "").isdigit() else None
    if team_obj is None:
        errors["team"] = [_("Pilih tim tujuan.") if not team else _("Tim yang dipilih tidak ada.")]
    clean["team"] = team_obj
    words = [str(w).strip() for w in fields.get("keywords") or []]
    if any(not w for w in words):
        errors["keywords"] = [_("Kata kunci tidak boleh kosong.")]
    elif any(len(w) > MAX_KEYWORD for w in words):
        errors["keywords"] = [_("Kata kunci paling panjang %(n)d karakter.") % {"n": MAX_KEYWORD}]
    clean["keywords"] = list(dict.fromkeys(words))
    for key, allowed in _CHOICES.items():
        values = list(fields.get(key) or [])
        bad = [str(v) for v in values if v not in allowed]
        if bad:
            errors[key] = [_("Nilai tidak dikenal: %(values)s.") % {"values": ", ".join(bad)}]
        clean[key] = list(dict.fromkeys(values))
    for key in ("hour_from", "hour_to"):
        hour = fields.get(key)
        if hour is not None and not (isinstance(hour, int) and 0 <= hour <= 24):
            errors[key] = [_("Jam harus bilangan 0 sampai 24.")]
            hour = None
        clean[key] = hour
    if (
        clean["hour_from"] is not None
        and clean["hour_to"] is not None
        and clean["hour_from"] >= clean["hour_to"]
        and "hour_to" not in errors
    ):
        errors["hour_to"] = [_("“Sampai jam” harus sesudah “dari jam”.")]
    if errors:
        raise ValidationFailed(_("Aturan belum benar; periksa isian yang ditandai."), fields=errors)
    return clean


def _snapshot(rule: RoutingRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "position": rule.position,
        "active": rule.active,
        "team": rule.team_id,
        "keywords": rule.keywords,
        **{key: getattr(rule, key) for key in _CHOICES},
        "hour_from": rule.hour_from,
        "hour_to": rule.hour_to,
    }


_DONE = {
    "created": gettext_lazy("aturan perutean “%(name)s” dibuat"),
    "changed": gettext_lazy("aturan perutean “%(name)s” diubah"),
    "activated": gettext_lazy("aturan perutean “%(name)s” diaktifkan"),
    "deactivated": gettext_lazy("aturan perutean “%(name)s” dinonaktifkan"),
    "moved_up": gettext_lazy("aturan perutean “%(name)s” dipindah ke atas"),
    "moved_down": gettext_lazy("aturan perutean “%(name)s” dipindah ke bawah"),
    "deleted": gettext_lazy("aturan perutean “%(name)s” dihapus"),
}
"""The audit log's detail for each change (stored in the business's default language)."""


def _record(actor: User, rule: RoutingRule, verb: str, before: dict[str, Any] | None) -> None:
    audit.record(
        SecurityKind.SETTINGS_CHANGED,
        actor=actor,
        detail=said_in_default_language(_DONE[verb], name=rule.name),
        data={
            "model": "triage.routingrule",
            "id": rule.pk,
            "before": before,
            "after": _snapshot(rule) if verb != "deleted" else None,
        },
    )


def _authorize(actor: User, team_id: int | None) -> None:
    if not may_edit_routing(actor, team_id):
        raise PermissionDenied(_("Supervisor hanya dapat mengatur perutean ke timnya sendiri."))


def access_routing_rule(user: User, rule_id: int) -> RoutingRule:
    rule = RoutingRule.objects.select_related("team").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Aturan perutean tidak ditemukan."))
    _authorize(user, rule.team_id)
    return rule


def build(fields: dict[str, Any]) -> RoutingRule:
    """An unsaved rule from checked fields (for the dry run)."""
    return RoutingRule(**check_routing_rule(fields))


@transaction.atomic
def routing_rule_create(*, actor: User, fields: dict[str, Any]) -> RoutingRule:
    clean = check_routing_rule(fields)
    _authorize(actor, clean["team"].pk)
    last = RoutingRule.objects.order_by("-position").first()
    rule = RoutingRule.objects.create(
        **clean, position=(last.position + 10) if last is not None else 10
    )
    _record(actor, rule, "created", None)
    return rule


@transaction.atomic
def routing_rule_update(*, actor: User, rule: RoutingRule, fields: dict[str, Any]) -> RoutingRule:
    rule = access_routing_rule(actor, rule.pk)
    clean = check_routing_rule(fields)
    _authorize(actor, clean["team"].pk)
    before = _snapshot(rule)
    for key, value in clean.items():
        setattr(rule, key, value)
    rule.save()
    _record(actor, rule, "changed", before)
    return rule


@transaction.atomic
def routing_rule_set_active(*, actor: User, rule: RoutingRule, active: bool) -> RoutingRule:
    rule = access_routing_rule(actor, rule.pk)
    if rule.active != active:
        before = _snapshot(rule)
        rule.active = active
        rule.save(update_fields=["active"])
        _record(actor, rule, "activated" if active else "deactivated", before)
    return rule


@transaction.atomic
def routing_rule_move(*, actor: User, rule: RoutingRule, up: bool) -> RoutingRule:
    """Swap with the neighbour above or below (the first matching rule wins, so the order
    matters); all positions are renumbered 10, 20, …"""
    rule = access_routing_rule(actor, rule.pk)
    before = _snapshot(rule)
    rules = list(RoutingRule.objects.select_for_update().order_by("position", "id"))
    at = next(n for n, r in enumerate(rules) if r.pk == rule.pk)
    other = at - 1 if up else at + 1
    if not 0 <= other < len(rules):
        return rule
    _authorize(actor, rules[other].team_id)  # a supervisor cannot jump another team's rule
    rules[at], rules[other] = rules[other], rules[at]
    changed = []
    for n, r in enumerate(rules):
        if r.position != (n + 1) * 10:
            r.position = (n + 1) * 10
            changed.append(r)
    RoutingRule.objects.bulk_update(changed, ["position"])
    rule = next(r for r in rules if r.pk == rule.pk)
    _record(actor, rule, "moved_up" if up else "moved_down", before)
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: User, rule: RoutingRule) -> None:
    rule = access_routing_rule(actor, rule.pk)
    before = _snapshot(rule)
    rule_id = rule.pk
    rule.delete()
    rule.pk = rule_id
    _record(actor, rule, "deleted", before)
