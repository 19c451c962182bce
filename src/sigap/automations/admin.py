from django.contrib import admin
from django.http import HttpRequest

from sigap.automations.models import Rule, RuleRun


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin[Rule]):
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
