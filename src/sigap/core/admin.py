from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from sigap.core.models import OutboxItem


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin[OutboxItem]):
    """Work waiting after a commit (``core.outbox``): what failed for good, and why."""

    list_display = ("id", "name", "created_at", "attempts", "due_at", "done_at", "failed_at")
    list_filter = ("name", ("failed_at", admin.EmptyFieldListFilter))
    readonly_fields = [f.name for f in OutboxItem._meta.fields]
    actions = ["run_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Jalankan lagi (yang gagal)"))
    def run_again(self, request: HttpRequest, queryset: QuerySet[OutboxItem]) -> None:
        count = queryset.filter(failed_at__isnull=False).update(
            failed_at=None, attempts=0, due_at=timezone.now(), error=""
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d pekerjaan dijadwalkan lagi.",
                "%(count)d pekerjaan dijadwalkan lagi.",
                count,
            )
            % {"count": count},
        )
