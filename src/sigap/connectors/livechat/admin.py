"""Admin: live chats, read-only (every change goes through the services and the console)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from sigap.connectors.livechat.models import Chat


@admin.register(Chat)
class ChatAdmin(admin.ModelAdmin[Chat]):
    list_display = ["id", "visitor_name", "status", "agent", "offline", "created_at"]
    list_filter = ["status", "offline"]
    search_fields = ["visitor_name", "visitor_email", "visitor_phone"]
    raw_id_fields = ["ticket", "agent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Chat | None = None) -> bool:
        return False
