from django.contrib import admin
from django.http import HttpRequest

from sigap.channels.models import Mailbox, QuarantinedEmail


@admin.register(QuarantinedEmail)
class QuarantinedEmailAdmin(admin.ModelAdmin[QuarantinedEmail]):
    """Mail that could not be filed; retry with `sigap email-ingest --retry-quarantine`."""

    list_display = ["received_at", "sender", "subject", "reason", "released_at"]
    list_filter = ["released_at"]
    search_fields = ["sender", "subject", "reason"]
    readonly_fields = ["raw_text", "reason", "message_id", "sender", "subject", "received_at"]
    exclude = ["raw"]

    @admin.display(description="isi mentah")
    def raw_text(self, obj: QuarantinedEmail) -> str:
        return bytes(obj.raw)[:20000].decode("utf-8", "replace")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    list_display = [
        "name",
        "protocol",
        "host",
        "username",
        "active",
        "last_polled_at",
        "last_error",
    ]
    readonly_fields = ["polling_until", "last_polled_at", "last_error"]
