from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import brand_admin
from sigap.connectors.models import (
    DeliveryStatus,
    InboundDelivery,
    Mailbox,
    OutboundDelivery,
    QuarantinedEmail,
    WhatsAppTemplate,
)

# a template of no brand is the default connection's (the server's own number)
DEFAULT_CONNECTION = gettext_lazy("Koneksi bawaan")


@admin.register(QuarantinedEmail)
class QuarantinedEmailAdmin(admin.ModelAdmin[QuarantinedEmail]):
    """Mail that could not be filed; retry with `sigap email-ingest --retry-quarantine`."""

    list_display = ["received_at", "sender", "subject", "reason", "released_at"]
    list_filter = ["released_at"]
    search_fields = ["sender", "subject", "reason"]
    readonly_fields = ["raw_text", "reason", "message_id", "sender", "subject", "received_at"]
    exclude = ["raw"]

    @admin.display(description=gettext_lazy("isi mentah"))
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
    # Encrypted values: set on Sigap's own page (/settings/channels/), never typed here.
    exclude = [
        "password_sealed",
        "oauth_client_secret_sealed",
        "oauth_refresh_token_sealed",
        "smtp_password_sealed",
    ]


@admin.register(InboundDelivery)
class InboundDeliveryAdmin(admin.ModelAdmin[InboundDelivery]):
    """Every WhatsApp/Telegram message a webhook delivered, kept for audit; ``failed`` ones
    keep the reason and are filed again if the provider delivers them again."""

    list_display = ["received_at", "provider", "sender", "status", "media_state", "error"]
    list_filter = ["provider", "status", "media_state"]
    search_fields = ["external_id", "sender", "address", "error"]
    readonly_fields = [f.name for f in InboundDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OutboundDelivery)
class OutboundDeliveryAdmin(admin.ModelAdmin[OutboundDelivery]):
    list_display = ["created_at", "provider", "recipient", "status", "attempts", "error"]
    list_filter = ["provider", "status"]
    search_fields = ["recipient", "provider_id", "error"]
    readonly_fields = [f.name for f in OutboundDelivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Kirim ulang balasan yang gagal"))
    def resend(self, request: HttpRequest, queryset: QuerySet[OutboundDelivery]) -> None:
        from sigap.connectors import delivery
        from sigap.connectors.tasks import send_channel_reply

        count = 0
        for row in queryset.filter(status=DeliveryStatus.FAILED):
            if delivery.resend(row):
                send_channel_reply(row.pk)
                count += 1
        self.message_user(
            request, _("%(n)s balasan dijadwalkan ulang.") % {"n": count}, messages.SUCCESS
        )


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(admin.ModelAdmin[WhatsAppTemplate]):
    """Templates approved in WhatsApp Manager, copied here (name, language, body); one of
    them may carry proposals' offers outside the 24-hour window (``for_proposals``,
    docs/whatsapp.md)."""

    list_display = ["name", "language", "approved", "for_proposals", "created_at"]
    list_filter = ["approved", "for_proposals", "language"]
    search_fields = ["name", "body"]

    # the connection whose account holds it (issue 17), when there are several brands
    @admin.display(description=gettext_lazy("merek"))
    def brand_or_default(self, obj: WhatsAppTemplate) -> str:
        return brand_admin.brand_name(obj, DEFAULT_CONNECTION)

    def get_list_display(self, request: HttpRequest) -> Any:
        return brand_admin.with_brand(super().get_list_display(request), "brand_or_default")

    def get_list_filter(self, request: HttpRequest) -> Any:
        return brand_admin.with_brand(
            super().get_list_filter(request), brand_admin.brand_filter(DEFAULT_CONNECTION)
        )
