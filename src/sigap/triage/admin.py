from django.contrib import admin

from sigap.triage.models import (
    AgentProfile,
    Example,
    ModelVersion,
    PriorityRule,
    RoutingRule,
    TeamRouting,
    TicketTriage,
)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin[ModelVersion]):
    list_display = ["task", "version", "active", "trained_on", "corrections", "created_at", "note"]
    list_filter = ["task", "active"]
    exclude = ["blob"]
    readonly_fields = ["task", "version", "scores", "trained_on", "corrections", "note"]


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin[PriorityRule]):
    list_display = ["severity", "tier", "customer_kind", "priority"]
    list_editable = ["priority"]
    list_filter = ["severity", "tier"]


@admin.register(Example)
class ExampleAdmin(admin.ModelAdmin[Example]):
    list_display = ["task", "label", "held_out", "created_at"]
    list_filter = ["task", "held_out"]


@admin.register(TicketTriage)
class TicketTriageAdmin(admin.ModelAdmin[TicketTriage]):
    list_display = ["ticket", "safety", "priority_reason", "created_at"]
    raw_id_fields = ["ticket"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    list_display = ["name", "position", "active", "team"]
    list_editable = ["position", "active"]


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin[TeamRouting]):
    list_display = ["team", "strategy", "last_assigned"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin[AgentProfile]):
    list_display = ["user", "status", "capacity"]
    list_filter = ["status"]
