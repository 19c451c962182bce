"""The rule builders' forms (automation rules, routing rules): every condition and action
chosen from a list, with the input that fits it, turned into the rule the services check
and store (``to_rule``) and back (``initial_for``). No JSON is typed by anyone."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import STAFF_ROLES, Role, Team, User
from sigap.automations.models import Rule, Trigger
from sigap.automations.services import ACTIONS, action_label
from sigap.customers.models import CustomerKind, LoyaltyTier
from sigap.tickets.models import CannedResponse, Category, Channel, Kind, Priority, Severity
from sigap.triage.models import RoutingRule
from sigap.webhooks.models import Webhook

_SPLIT = re.compile(r"[,\n]")
_CHECKS = forms.CheckboxSelectMultiple
WEEKDAYS = [
    (0, _("Senin")),
    (1, _("Selasa")),
    (2, _("Rabu")),
    (3, _("Kamis")),
    (4, _("Jumat")),
    (5, _("Sabtu")),
    (6, _("Minggu")),
]
LANGUAGES = [("id", _("Indonesia")), ("en", _("Inggris"))]


def keywords(text: str) -> list[str]:
    """One keyword per line or between commas; an empty one between two commas is kept, so
    the service names it ("Kata kunci tidak boleh kosong")."""
    text = (text or "").strip()
    return [part.strip() for part in _SPLIT.split(text)] if text else []


def _teams_for(user: User) -> list[tuple[Any, Any]]:
    teams = Team.objects.order_by("name")
    if user.role != Role.ADMIN:
        teams = teams.filter(supervisor_id=user.pk)
    return [(t.pk, t.name) for t in teams]


def _people_for(user: User) -> list[tuple[Any, Any]]:
    people = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
    if user.role != Role.ADMIN:
        people = people.filter(teams__supervisor_id=user.pk).distinct()
    return [("", "—")] + [
        (u.pk, u.get_full_name() or u.username) for u in people.order_by("username")
    ]


class AutomationForm(forms.Form):
    name = forms.CharField(label=_("Nama aturan"), max_length=200)
    trigger = forms.ChoiceField(label=_("Pemicu"), choices=Trigger.choices)
    keywords = forms.CharField(
        label=_("Kata kunci"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Satu per baris atau dipisah koma; cocok bila salah satunya ada di judul "
            "atau pesan (huruf besar/kecil sama saja)."
        ),
    )
    channels = forms.MultipleChoiceField(
        label=_("Saluran"), required=False, choices=Channel.choices, widget=_CHECKS
    )
    kinds = forms.MultipleChoiceField(
        label=_("Jenis tiket"), required=False, choices=Kind.choices, widget=_CHECKS
    )
    categories = forms.MultipleChoiceField(
        label=_("Golongan keluhan"),
        required=False,
        choices=[c for c in Category.choices if c[0]],
        widget=_CHECKS,
    )
    severities = forms.MultipleChoiceField(
        label=_("Tingkat keluhan"),
        required=False,
        choices=[c for c in Severity.choices if c[0]],
        widget=_CHECKS,
    )
    priorities = forms.MultipleChoiceField(
        label=_("Prioritas"), required=False, choices=Priority.choices, widget=_CHECKS
    )
    tiers = forms.MultipleChoiceField(
        label=_("Tingkat loyalitas pelanggan"),
        required=False,
        choices=LoyaltyTier.choices,
        widget=_CHECKS,
    )
    teams = forms.MultipleChoiceField(label=_("Tim tiket"), required=False, widget=_CHECKS)
    survey_kinds = forms.MultipleChoiceField(
        label=_("Jenis survei"),
        required=False,
        choices=[("resolution", _("Kepuasan (CSAT)")), ("nps", _("NPS"))],
        widget=_CHECKS,
        help_text=_("Hanya untuk pemicu “Survei dijawab”."),
    )
    score_at_most = forms.IntegerField(label=_("Skor paling tinggi"), required=False)
    score_at_least = forms.IntegerField(label=_("Skor paling rendah"), required=False)
    stop_after = forms.BooleanField(
        label=_("Berhenti setelah aturan ini bila berlaku"), required=False
    )
    active = forms.BooleanField(label=_("Aktif"), required=False, initial=True)

    CONDITION_FIELDS = (
        "channels",
        "kinds",
        "categories",
        "severities",
        "priorities",
        "tiers",
        "teams",
        "survey_kinds",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = _teams_for(user)  # type: ignore[attr-defined]

    def conditions(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for key in self.CONDITION_FIELDS:
            if data.get(key):
                values = data[key]
                out[key] = [int(v) for v in values] if key in ("priorities", "teams") else values
        if words := keywords(data.get("keywords", "")):
            out["keywords"] = words
        for key in ("score_at_most", "score_at_least"):
            if data.get(key) is not None:
                out[key] = data[key]
        return out


class ActionForm(forms.Form):
    """One action: what to do (``type``) and its target, in the input that fits it; the
    page shows only the input of the chosen action (sigap.css, ``.action-row:has(...)``)."""

    type = forms.ChoiceField(label=_("Tindakan"), required=False)
    tag = forms.CharField(label=_("Label"), required=False, max_length=50)
    team = forms.ChoiceField(label=_("Tim"), required=False)
    user = forms.ChoiceField(label=_("Agen"), required=False)
    priority = forms.ChoiceField(
        label=_("Prioritas"), required=False, choices=[("", "—"), *Priority.choices]
    )
    text = forms.CharField(
        label=_("Teks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    canned = forms.ChoiceField(label=_("Templat balasan"), required=False)
    webhook = forms.ChoiceField(label=_("Webhook"), required=False)

    def __init__(self, *args: Any, choices: dict[str, list[tuple[Any, Any]]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, options in choices.items():
            self.fields[name].choices = options  # type: ignore[attr-defined]

    def action(self) -> dict[str, Any] | None:
        kind = self.cleaned_data.get("type") or ""
        if not kind:
            return None
        target = ACTIONS.get(kind)
        if not target:
            return {"type": kind}
        return {"type": kind, "value": self.cleaned_data.get(target, "")}


ActionFormSet = forms.formset_factory(ActionForm, extra=0, max_num=12, absolute_max=12)


def action_choices(user: User) -> dict[str, list[tuple[Any, Any]]]:
    kinds = [k for k in ACTIONS if user.role == Role.ADMIN or k != "call_webhook"]
    canned = CannedResponse.objects.filter(active=True).order_by("title")
    if user.role != Role.ADMIN:
        canned = canned.filter(team__isnull=True) | canned.filter(team__supervisor_id=user.pk)
    webhooks = (
        Webhook.objects.order_by("name") if user.role == Role.ADMIN else Webhook.objects.none()
    )
    return {
        "type": [("", "—"), *((k, action_label(k)) for k in kinds)],
        "team": [("", "—"), *_teams_for(user)],
        "user": _people_for(user),
        "canned": [("", "—"), *((c.pk, c.title) for c in canned)],
        "webhook": [("", "—"), *((w.pk, w.name) for w in webhooks)],
    }


def action_forms(user: User, data: Any = None, rule: Rule | None = None) -> Any:
    """The rule's actions and empty rows to add more (three for a new rule, two otherwise)."""
    initial = []
    for a in (rule.actions if rule is not None else []) or []:
        row = {"type": a.get("type", "")}
        target = ACTIONS.get(str(a.get("type")))
        if target:
            row[target] = a.get("value")
        initial.append(row)
    initial += [{}] * (3 if rule is None else 2)
    return ActionFormSet(
        data,
        initial=initial if data is None else None,
        prefix="action",
        form_kwargs={"choices": action_choices(user)},
    )


def automation_initial(rule: Rule) -> dict[str, Any]:
    c = rule.conditions or {}
    initial: dict[str, Any] = {
        "name": rule.name,
        "trigger": rule.trigger,
        "stop_after": rule.stop_after,
        "active": rule.active,
        "keywords": "\n".join(str(k) for k in c.get("keywords", [])),
        "score_at_most": c.get("score_at_most"),
        "score_at_least": c.get("score_at_least"),
    }
    for key in AutomationForm.CONDITION_FIELDS:
        initial[key] = [str(v) for v in c.get(key, [])]
    return initial


# --- routing rules (triage.routing) -------------------------------------------------------


class RoutingRuleForm(forms.Form):
    name = forms.CharField(label=_("Nama aturan"), max_length=200)
    team = forms.ChoiceField(label=_("Teruskan ke tim"))
    keywords = forms.CharField(
        label=_("Kata kunci"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Satu per baris atau dipisah koma; dicari di judul dan uraian tiket."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Saluran"), required=False, choices=Channel.choices, widget=_CHECKS
    )
    categories = forms.MultipleChoiceField(
        label=_("Golongan keluhan"),
        required=False,
        choices=[c for c in Category.choices if c[0]],
        widget=_CHECKS,
    )
    tiers = forms.MultipleChoiceField(
        label=_("Tingkat loyalitas pelanggan"),
        required=False,
        choices=LoyaltyTier.choices,
        widget=_CHECKS,
    )
    customer_kinds = forms.MultipleChoiceField(
        label=_("Jenis pelanggan"), required=False, choices=CustomerKind.choices, widget=_CHECKS
    )
    languages = forms.MultipleChoiceField(
        label=_("Bahasa pesan"), required=False, choices=LANGUAGES, widget=_CHECKS
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Hari"),
        required=False,
        choices=WEEKDAYS,
        widget=_CHECKS,
        help_text=_("Kosong: setiap hari."),
    )
    hour_from = forms.IntegerField(label=_("Dari jam"), required=False)
    hour_to = forms.IntegerField(
        label=_("Sampai jam"),
        required=False,
        help_text=_("Jam setempat, 0–24; kosong: sepanjang hari."),
    )
    active = forms.BooleanField(label=_("Aktif"), required=False, initial=True)

    LISTS = (
        "keywords",
        "channels",
        "categories",
        "tiers",
        "customer_kinds",
        "languages",
        "weekdays",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "—"), *_teams_for(user)]  # type: ignore[attr-defined]

    def rule_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "team": int(data["team"]) if data.get("team") else None,
            "keywords": keywords(data.get("keywords", "")),
            "channels": list(data.get("channels") or []),
            "categories": list(data.get("categories") or []),
            "tiers": list(data.get("tiers") or []),
            "customer_kinds": list(data.get("customer_kinds") or []),
            "languages": list(data.get("languages") or []),
            "weekdays": [int(d) for d in data.get("weekdays") or []],
            "hour_from": data.get("hour_from"),
            "hour_to": data.get("hour_to"),
            "active": bool(data.get("active")),
        }


def routing_initial(rule: RoutingRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "team": rule.team_id,
        "keywords": "\n".join(str(k) for k in rule.keywords),
        "channels": rule.channels,
        "categories": rule.categories,
        "tiers": rule.tiers,
        "customer_kinds": rule.customer_kinds,
        "languages": rule.languages,
        "weekdays": [str(d) for d in rule.weekdays],
        "hour_from": rule.hour_from,
        "hour_to": rule.hour_to,
        "active": rule.active,
    }


class TimeRulesForm(forms.Form):
    remind_after_hours = forms.IntegerField(
        label=_("Ingatkan pelanggan setelah (jam)"), required=False
    )
    auto_close_days = forms.IntegerField(
        label=_("Tutup otomatis setelah selesai (hari)"), required=False
    )
