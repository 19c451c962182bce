from typing import cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sigap.accounts import sessions, twofactor
from sigap.accounts.models import ApiToken, SecurityEvent, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Sigap"), {"fields": ("role",)}))
    actions = ["reset_two_factor", "sign_out_everywhere"]

    @admin.action(description=_("Setel ulang 2FA (ponsel hilang)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = cast(User, request.user)
        for user in queryset:
            twofactor.remove(user, actor=actor, request=request)
        self.message_user(
            request, gettext("2FA disetel ulang untuk %(n)s pengguna.") % {"n": queryset.count()}
        )

    @admin.action(description=_("Keluarkan dari semua perangkat"))
    def sign_out_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = cast(User, request.user)
        for user in queryset:
            sessions.end_all(user, actor=actor)
        self.message_user(
            request,
            gettext("%(n)s pengguna dikeluarkan dari semua sesi.") % {"n": queryset.count()},
        )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "slug", "supervisor")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("prefix", "user", "name", "created_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at")

    def has_add_permission(self, request: object) -> bool:
        return False  # tokens are created with `sigap token create` (shown once)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin[SecurityEvent]):
    """Read only: the log is append-only (the page for admins is /keamanan/log/)."""

    list_display = ("at", "kind", "actor_name", "user_name", "ip", "detail")
    list_filter = ("kind",)
    search_fields = ("actor_name", "user_name", "ip", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
