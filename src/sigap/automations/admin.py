from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from sigap.automations.models import Rule, RuleRun
from sigap.automations.services import check_rule
from sigap.core.errors import ValidationFailed


class RuleAdminForm(forms.ModelForm[Rule]):
    """The admin stays for emergencies (the builder is at /settings/automations/); a rule
    typed here as JSON is checked by the same ``check_rule`` as the builder's."""

    class Meta:
        model = Rule
        fields = ["name", "position", "active", "trigger", "conditions", "actions", "stop_after"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            _, data["conditions"], data["actions"] = check_rule(
                name=data.get("name", ""),
                trigger=data.get("trigger", ""),
                conditions=data.get("conditions"),
                actions=data.get("actions"),
            )
        except ValidationFailed as exc:
            raise forms.ValidationError(
                [f"{field}: {message}" for field, ms in exc.fields.items() for message in ms]
            ) from exc
        return data


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin[Rule]):
    form = RuleAdminForm
    list_display = ["name", "trigger", "position", "active", "stop_after"]
    list_filter = ["trigger", "active"]
    list_editable = ["position", "active"]


@admin.register(RuleRun)
class RuleRunAdmin(admin.ModelAdmin[RuleRun]):
    """The audit of what fired: read-only."""

    list_display = ["created_at", "rule_name", "ticket", "trigger", "applied"]
    list_filter = ["trigger", "rule_name"]
    readonly_fields = [f.name for f in RuleRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
