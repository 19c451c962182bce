from django.contrib import admin

from sigap.triage.models import Example, ModelVersion, PriorityRule, TicketTriage


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
