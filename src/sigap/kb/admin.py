"""Admin: articles are read here and edited in the knowledge-base pages (every edit must
become a version); categories and the chatbot's required facts are edited here, through
the services, so the retrieval index of every process follows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sigap.accounts import brand_admin
from sigap.accounts.models import User
from sigap.core.errors import ValidationFailed
from sigap.kb import services
from sigap.kb.models import Article, ArticleVersion, Category, RequiredFact

ALL_BRANDS = _("Semua merek")


def _actor(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


class VersionInline(admin.TabularInline[ArticleVersion, Article]):
    model = ArticleVersion
    fields = ["number", "title", "status", "visibility", "note", "edited_by", "created_at"]
    readonly_fields = ["number", "title", "status", "visibility", "note", "edited_by", "created_at"]
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["title", "slug", "category", "visibility", "status", "version", "updated_at"]
    list_filter = ["status", "visibility", "category"]
    search_fields = ["title", "slug", "body"]
    readonly_fields = [
        "slug",
        "category",
        "title",
        "summary",
        "body",
        "questions",
        "title_en",
        "summary_en",
        "body_en",
        "visibility",
        "status",
        "version",
        "brand",
        "created_at",
        "updated_at",
        "published_at",
        "created_by",
        "updated_by",
    ]
    inlines = [VersionInline]

    # the brand whose help centre shows it (issue 17), when there are several
    @admin.display(description=_("merek"))
    def brand_or_all(self, obj: Article) -> str:
        return brand_admin.brand_name(obj, ALL_BRANDS)

    def get_list_display(self, request: HttpRequest) -> Any:
        return brand_admin.with_brand(super().get_list_display(request), "brand_or_all")

    def get_list_filter(self, request: HttpRequest) -> Any:
        return brand_admin.with_brand(
            super().get_list_filter(request), brand_admin.brand_filter(ALL_BRANDS)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        actor = _actor(request)
        assert actor is not None
        services.article_delete(actor=actor, article=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        actor = _actor(request)
        assert actor is not None
        for article in queryset:
            services.article_delete(actor=actor, article=article)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(
        self, request: HttpRequest, obj: Category, form: ModelForm[Category], change: bool
    ) -> None:
        services.category_save(actor=_actor(request), category=obj)

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        actor = _actor(request)
        assert actor is not None
        services.category_delete(actor=actor, category=obj)


class RequiredFactForm(ModelForm[RequiredFact]):
    class Meta:
        model = RequiredFact
        fields = ["name", "label", "pattern", "example", "prompt", "categories", "active"]

    def clean_pattern(self) -> str:
        pattern = str(self.cleaned_data["pattern"])
        try:
            services.check_pattern(pattern)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.fields["pattern"]) from exc
        return pattern


@admin.register(RequiredFact)
class RequiredFactAdmin(admin.ModelAdmin[RequiredFact]):
    form = RequiredFactForm
    list_display = ["label", "name", "pattern", "active"]
    filter_horizontal = ["categories"]

    def save_model(
        self, request: HttpRequest, obj: RequiredFact, form: ModelForm[RequiredFact], change: bool
    ) -> None:
        services.required_fact_save(actor=_actor(request), fact=obj)

    def delete_model(self, request: HttpRequest, obj: RequiredFact) -> None:
        actor = _actor(request)
        assert actor is not None
        services.required_fact_delete(actor=actor, fact=obj)
