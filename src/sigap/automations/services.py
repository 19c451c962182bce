"""Writing automation rules (the settings builder): create, change, switch on and off,
reorder, delete. Every write checks who may make it (``access``), validates the whole rule
first (``check_rule``: one precise message per problem, nothing saved when any), and leaves
a ``settings_changed`` record in the audit log with the rule before and after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_unicode_slug
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import audit
from sigap.accounts.models import STAFF_ROLES, SecurityKind, Team, User
from sigap.automations import access, engine
from sigap.automations.models import Rule, Trigger
from sigap.core.errors import NotFound, PermissionDenied, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.customers.models import LoyaltyTier
from sigap.tickets.models import CannedResponse, Category, Channel, Kind, Priority, Severity
from sigap.webhooks.models import Webhook

SURVEY_KINDS = ("resolution", "nps")

# condition -> the values it may hold (None: checked on its own below)
_CHOICES: dict[str, Any] = {
    "channels": Channel.values,
    "kinds": Kind.values,
    "priorities": Priority.values,
    "severities": [v for v in Severity.values if v],
    "categories": [v for v in Category.values if v],
    "tiers": LoyaltyTier.values,
    "survey_kinds": list(SURVEY_KINDS),
}
LIST_CONDITIONS = (*_CHOICES, "teams", "keywords")
SCORE_CONDITIONS = ("score_at_most", "score_at_least")
SURVEY_CONDITIONS = ("survey_kinds", *SCORE_CONDITIONS)
CONDITIONS = (*LIST_CONDITIONS, *SCORE_CONDITIONS)
# action -> what its value is ("" for none)
ACTIONS = {
    "add_tag": "tag",
    "set_team": "team",
    "assign": "user",
    "set_priority": "priority",
    "add_note": "text",
    "send_reply": "text",
    "send_canned": "canned",
    "notify_supervisor": "",
    "call_webhook": "webhook",
}
MAX_KEYWORD = 100
MAX_TEXT = 5000


def _snapshot(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "trigger": rule.trigger,
        "position": rule.position,
        "active": rule.active,
        "stop_after": rule.stop_after,
        "conditions": rule.conditions,
        "actions": rule.actions,
    }


def _check_conditions(
    trigger: str, conditions: Any, errors: dict[str, list[str]]
) -> dict[str, Any]:
    if not isinstance(conditions, dict):
        errors.setdefault("conditions", []).append(_("Syarat harus berupa daftar bernama."))
        return {}
    clean: dict[str, Any] = {}
    for key, value in conditions.items():
        if key not in CONDITIONS:
            errors.setdefault("conditions", []).append(
                _("Syarat tidak dikenal: “%(key)s”.") % {"key": key}
            )
            continue
        if key in SURVEY_CONDITIONS and trigger != Trigger.SURVEY_ANSWERED:
            errors.setdefault(key, []).append(
                _("Syarat survei hanya berlaku untuk pemicu “Survei dijawab”.")
            )
            continue
        if key in SCORE_CONDITIONS:
            if value is None or value == "":
                continue
            try:
                score = int(value)
            except (TypeError, ValueError):
                score = -1
            if not 0 <= score <= 10:
                errors.setdefault(key, []).append(_("Skor harus bilangan 0 sampai 10."))
                continue
            clean[key] = score
            continue
        if not isinstance(value, list):
            errors.setdefault(key, []).append(_("Syarat ini harus berupa daftar pilihan."))
            continue
        if not value:
            continue
        if key == "keywords":
            words = [str(w).strip() for w in value]
            if any(not w for w in words):
                errors.setdefault(key, []).append(_("Kata kunci tidak boleh kosong."))
                continue
            if any(len(w) > MAX_KEYWORD for w in words):
                errors.setdefault(key, []).append(
                    _("Kata kunci paling panjang %(n)d karakter.") % {"n": MAX_KEYWORD}
                )
                continue
            clean[key] = list(dict.fromkeys(words))
        elif key == "teams":
            ids = _ints(value)
            found = set(Team.objects.filter(pk__in=ids or []).values_list("pk", flat=True))
            if ids is None or set(ids) != found:
                errors.setdefault(key, []).append(_("Tim yang dipilih tidak ada."))
                continue
            clean[key] = sorted(set(ids))
        else:
            allowed = _CHOICES[key]
            wanted = [int(v) if key == "priorities" and str(v).isdigit() else v for v in value]
            unknown = [str(v) for v in wanted if v not in allowed]
            if unknown:
                errors.setdefault(key, []).append(
                    _("Nilai tidak dikenal: %(values)s.") % {"values": ", ".join(unknown)}
                )
                continue
            clean[key] = list(dict.fromkeys(wanted))
    least, most = clean.get("score_at_least"), clean.get("score_at_most")
    if least is not None and most is not None and least > most:
        errors.setdefault("score_at_least", []).append(
            _("Skor paling rendah tidak boleh di atas skor paling tinggi.")
        )
    return clean


def _ints(values: list[Any]) -> list[int] | None:
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        return None


def _check_action(action: Any, at: str, errors: dict[str, list[str]]) -> dict[str, Any] | None:
    def fail(message: str) -> None:
        errors.setdefault(at, []).append(message)

    if not isinstance(action, dict):
        fail(_("Tindakan tidak terbaca."))
        return None
    kind = str(action.get("type") or "")
    if kind not in ACTIONS:
        fail(_("Tindakan tidak dikenal: “%(type)s”.") % {"type": kind})
        return None
    target = ACTIONS[kind]
    value = action.get("value")
    if target == "":
        return {"type": kind}
    text = "" if value is None else str(value).strip()
    if not text:
        fail(_("Tindakan “%(type)s” perlu sasaran.") % {"type": action_label(kind)})
        return None
    if target == "tag":
        try:
            validate_unicode_slug(text)
        except ValidationError:
            fail(_("Label hanya boleh huruf, angka, tanda - dan _, tanpa spasi."))
            return None
        if len(text) > 50:
            fail(_("Label paling panjang 50 karakter."))
            return None
        return {"type": kind, "value": text.lower()}
    if target == "text":
        if len(text) > MAX_TEXT:
            fail(_("Teks paling panjang %(n)d karakter.") % {"n": MAX_TEXT})
            return None
        return {"type": kind, "value": text}
    if not text.isdigit():
        fail(_("Sasaran tindakan “%(type)s” tidak ada.") % {"type": action_label(kind)})
        return None
    number = int(text)
    checks: dict[str, Callable[[], bool]] = {
        "priority": lambda: number in Priority.values,
        "team": lambda: Team.objects.filter(pk=number).exists(),
        "user": lambda: User.objects.filter(
            pk=number, is_active=True, role__in=STAFF_ROLES
        ).exists(),
        "canned": lambda: CannedResponse.objects.filter(pk=number, active=True).exists(),
        "webhook": lambda: Webhook.objects.filter(pk=number).exists(),
    }
    if not checks[target]():
        fail(_("Sasaran tindakan “%(type)s” tidak ada.") % {"type": action_label(kind)})
        return None
    return {"type": kind, "value": number}


def action_label(kind: str) -> str:
    labels = {
        "add_tag": _("Tambah label"),
        "set_team": _("Alihkan ke tim"),
        "assign": _("Tugaskan ke"),
        "set_priority": _("Ubah prioritas"),
        "add_note": _("Tambah catatan internal"),
        "send_reply": _("Kirim balasan"),
        "send_canned": _("Kirim templat balasan"),
        "notify_supervisor": _("Beri tahu supervisor"),
        "call_webhook": _("Panggil webhook"),
    }
    return str(labels.get(kind, kind))


def check_rule(
    *, name: str, trigger: str, conditions: Any, actions: Any
) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """The rule, cleaned, or ``ValidationFailed`` naming every problem (``fields``: "name",
    "trigger", a condition's name, "conditions" for an unknown one, "actions" and
    "actions.<n>" for the n-th action, counted from 0)."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Nama aturan wajib diisi.")]
    elif len(name) > 120:
        errors["name"] = [_("Nama paling panjang 120 karakter.")]
    if trigger not in Trigger.values:
        errors["trigger"] = [_("Pemicu tidak dikenal: “%(trigger)s”.") % {"trigger": trigger}]
    clean_conditions = _check_conditions(trigger, conditions, errors)
    clean_actions: list[dict[str, Any]] = []
    if not isinstance(actions, list) or not actions:
        errors.setdefault("actions", []).append(_("Pilih paling sedikit satu tindakan."))
    else:
        for n, action in enumerate(actions):
            checked = _check_action(action, f"actions.{n}", errors)
            if checked is not None:
                clean_actions.append(checked)
    if errors:
        raise ValidationFailed(_("Aturan belum benar; periksa isian yang ditandai."), fields=errors)
    return name, clean_conditions, clean_actions


def _authorize(actor: User, conditions: dict[str, Any], actions: list[dict[str, Any]]) -> None:
    if not access.may_edit_rule(actor, conditions, actions):
        raise PermissionDenied(
            _("Supervisor hanya dapat mengatur otomasi untuk timnya sendiri.")
            if actor.is_supervisor_or_admin
            else _("Hanya supervisor dan admin yang dapat mengatur otomasi.")
        )


_DONE = {
    "created": gettext_lazy("aturan otomasi “%(name)s” dibuat"),
    "changed": gettext_lazy("aturan otomasi “%(name)s” diubah"),
    "activated": gettext_lazy("aturan otomasi “%(name)s” diaktifkan"),
    "deactivated": gettext_lazy("aturan otomasi “%(name)s” dinonaktifkan"),
    "moved_up": gettext_lazy("aturan otomasi “%(name)s” dipindah ke atas"),
    "moved_down": gettext_lazy("aturan otomasi “%(name)s” dipindah ke bawah"),
    "deleted": gettext_lazy("aturan otomasi “%(name)s” dihapus"),
}
"""The audit log's detail for each change (stored in the business's default language)."""


def _record(actor: User, rule: Rule, verb: str, before: dict[str, Any] | None) -> None:
    after = _snapshot(rule) if verb != "deleted" else None
    audit.record(
        SecurityKind.SETTINGS_CHANGED,
        actor=actor,
        detail=said_in_default_language(_DONE[verb], name=rule.name),
        data={"model": "automations.rule", "id": rule.pk, "before": before, "after": after},
    )


def access_rule(user: User, rule_id: int) -> Rule:
    """The rule the user may change, or ``NotFound``/``PermissionDenied``."""
    rule = Rule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Aturan otomasi tidak ditemukan."))
    _authorize(user, dict(rule.conditions or {}), list(rule.actions or []))
    return rule


def _next_position(trigger: str) -> int:
    last = Rule.objects.filter(trigger=trigger).order_by("-position").first()
    return (last.position + 10) if last is not None else 10


@transaction.atomic
def rule_create(
    *,
    actor: User,
    name: str,
    trigger: str,
    conditions: Any,
    actions: Any,
    stop_after: bool = False,
    active: bool = True,
) -> Rule:
    name, conditions, actions = check_rule(
        name=name, trigger=trigger, conditions=conditions, actions=actions
    )
    _authorize(actor, conditions, actions)
    rule = Rule.objects.create(
        name=name,
        trigger=trigger,
        conditions=conditions,
        actions=actions,
        stop_after=stop_after,
        active=active,
        position=_next_position(trigger),
    )
    _record(actor, rule, "created", None)
    return rule


@transaction.atomic
def rule_update(
    *,
    actor: User,
    rule: Rule,
    name: str,
    trigger: str,
    conditions: Any,
    actions: Any,
    stop_after: bool,
    active: bool,
) -> Rule:
    rule = access_rule(actor, rule.pk)  # allowed on the rule as it is now, and ...
    name, conditions, actions = check_rule(
        name=name, trigger=trigger, conditions=conditions, actions=actions
    )
    _authorize(actor, conditions, actions)  # ... as it would become
    before = _snapshot(rule)
    if trigger != rule.trigger:
        rule.position = _next_position(trigger)
    rule.name, rule.trigger, rule.conditions, rule.actions = name, trigger, conditions, actions
    rule.stop_after, rule.active = stop_after, active
    rule.save()
    _record(actor, rule, "changed", before)
    return rule


@transaction.atomic
def rule_set_active(*, actor: User, rule: Rule, active: bool) -> Rule:
    rule = access_rule(actor, rule.pk)
    if rule.active == active:
        return rule
    before = _snapshot(rule)
    rule.active = active
    rule.save(update_fields=["active"])
    _record(actor, rule, "activated" if active else "deactivated", before)
    return rule


@transaction.atomic
def rule_move(*, actor: User, rule: Rule, up: bool) -> Rule:
    """Swap the rule with its neighbour (same trigger) above or below; the positions of the
    whole trigger are renumbered 10, 20, … so equal positions cannot stall the move."""
    rule = access_rule(actor, rule.pk)
    before = _snapshot(rule)
    rules = list(
        Rule.objects.select_for_update().filter(trigger=rule.trigger).order_by("position", "id")
    )
    at = next(n for n, r in enumerate(rules) if r.pk == rule.pk)
    other = at - 1 if up else at + 1
    if not 0 <= other < len(rules):
        return rule
    neighbour = rules[other]  # a supervisor cannot jump another team's rule
    _authorize(actor, dict(neighbour.conditions or {}), list(neighbour.actions or []))
    rules[at], rules[other] = rules[other], rules[at]
    changed = []
    for n, r in enumerate(rules):
        if r.position != (n + 1) * 10:
            r.position = (n + 1) * 10
            changed.append(r)
    Rule.objects.bulk_update(changed, ["position"])
    engine.invalidate()  # as a save does (apps.py); bulk_update sends no post_save
    rule = next(r for r in rules if r.pk == rule.pk)
    _record(actor, rule, "moved_up" if up else "moved_down", before)
    return rule


@transaction.atomic
def rule_delete(*, actor: User, rule: Rule) -> None:
    rule = access_rule(actor, rule.pk)
    before = _snapshot(rule)
    rule_id = rule.pk
    rule.delete()
    rule.pk = rule_id
    _record(actor, rule, "deleted", before)
