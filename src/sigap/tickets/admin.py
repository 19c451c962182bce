"""Admin for configuration and inspection. Tickets are changed through the services
(API and agent UI), so here they are read-only; the timeline can never be edited."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sigap.tickets.models import Tag, Ticket, TimelineEvent


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
