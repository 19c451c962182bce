"""Admin for configuration and inspection. Tickets are changed through the services
(API and agent UI), so here they are read-only; the timeline can never be edited."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from sigap.tickets.models import ApprovalRule, Proposal, Severity, Tag, Ticket, TimelineEvent


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    search_fields = ("name",)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline[TimelineEvent, Ticket]):
    model = TimelineEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "actor", "field", "old_value", "new_value", "data")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("id", "subject", "kind", "channel", "status", "priority", "team", "assignee")
    list_filter = ("status", "kind", "channel", "severity", "priority", "team")
    search_fields = ("subject",)
    list_select_related = ("team", "assignee")
    inlines = [EventInline]


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "kind", "actor", "field")
    list_filter = ("kind",)
    list_select_related = ("ticket", "actor")


class ApprovalRuleForm(forms.ModelForm[ApprovalRule]):
    severities = forms.MultipleChoiceField(
        label=gettext_lazy("Tingkat keluhan yang perlu persetujuan"),
        choices=[(s.value, s.label) for s in Severity if s.value],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApprovalRule
        fields = ("team", "severities", "amount_threshold")


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin[ApprovalRule]):
    """When a proposal needs a supervisor (``tickets.approval``); the row without a team
    is the default of every team without its own."""

    form = ApprovalRuleForm
    list_display = ("__str__", "severities", "amount_threshold", "updated_by", "updated_at")
    list_select_related = ("team", "updated_by")

    def save_model(self, request: HttpRequest, obj: ApprovalRule, form: Any, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    """Read-only: proposals change through the services (decisions are audited)."""

    list_display = (
        "id",
        "ticket",
        "status",
        "compensation_type",
        "compensation_amount",
        "approval_reason",
        "compensation_given",
        "created_at",
    )
    list_filter = ("status", "compensation_type", "compensation_given")
    list_select_related = ("ticket",)
