from django.contrib import admin
from django.http import HttpRequest

from sigap.connectors.phone.models import AgentExtension, Call


@admin.register(AgentExtension)
class AgentExtensionAdmin(admin.ModelAdmin[AgentExtension]):
    list_display = ("extension", "user")
    search_fields = ("extension", "user__username")
    autocomplete_fields = ("user",)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin[Call]):
    """Read-only: calls are written by the timer and the PBX (``services``)."""

    list_display = ("pk", "direction", "customer", "agent", "started_at", "duration", "outcome")
    list_filter = ("direction", "outcome")
    search_fields = ("external_id", "from_number", "to_number", "customer__name")
    raw_id_fields = ("ticket", "customer", "agent")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Call | None = None) -> bool:
        return False
