from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sigap.accounts import brands
from sigap.accounts.models import Brand
from sigap.core.errors import ValidationFailed
from sigap.kb.models import Article, ArticleStatus, Category, Visibility
from sigap.kb.services import ArticleIn, CategoryIn


def show_errors(form: forms.Form, exc: ValidationFailed) -> None:
    """Put a service's field errors on the form (unknown fields as form errors)."""
    if not exc.fields:
        form.add_error(None, exc.message)
    for name, messages in exc.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class ArticleForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Kategori"), queryset=Category.objects.order_by("position", "name")
    )
    slug = forms.SlugField(
        label=_("Alamat (slug)"),
        max_length=120,
        required=False,
        help_text=_("Kosong = dibuat dari judul. Tidak dapat diubah setelah disimpan."),
    )
    title = forms.CharField(label=_("Judul"), max_length=200)
    summary = forms.CharField(
        label=_("Ringkasan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Jawaban singkat yang dikirim chatbot; kosong = awal isi artikel."),
    )
    body = forms.CharField(label=_("Isi"), widget=forms.Textarea(attrs={"rows": 12}))
    questions = forms.CharField(
        label=_("Variasi pertanyaan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Satu per baris, seperti ditulis pelanggan: membantu chatbot menemukannya."),
    )
    title_en = forms.CharField(label=_("Judul (Inggris)"), max_length=200, required=False)
    summary_en = forms.CharField(
        label=_("Ringkasan (Inggris)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body_en = forms.CharField(
        label=_("Isi (Inggris)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    brand = forms.ModelChoiceField(
        label=_("Merek"),
        queryset=Brand.objects.filter(is_active=True).order_by("-is_default", "name"),
        required=False,
        empty_label=_("Semua merek"),
        help_text=_("Pusat bantuan merek mana yang menampilkannya; kosong = semua merek."),
    )
    visibility = forms.ChoiceField(
        label=_("Visibilitas"), choices=Visibility.choices, widget=forms.RadioSelect
    )
    status = forms.ChoiceField(label=_("Status"), choices=ArticleStatus.choices)
    note = forms.CharField(label=_("Catatan perubahan"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, article: Article | None = None, **kwargs: Any) -> None:
        if article is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "category": article.category_id,
                "slug": article.slug,
                "title": article.title,
                "summary": article.summary,
                "body": article.body,
                "questions": article.questions,
                "title_en": article.title_en,
                "summary_en": article.summary_en,
                "body_en": article.body_en,
                "brand": article.brand_id,
                "visibility": article.visibility,
                "status": article.status,
                "version": article.version,
            }
        super().__init__(*args, **kwargs)
        self.article = article
        if not brands.several():  # one brand: the concept is not shown
            del self.fields["brand"]
        elif article is not None and article.brand_id is not None:  # kept if deactivated
            field = cast(forms.ModelChoiceField, self.fields["brand"])  # type: ignore[type-arg]
            field.queryset = Brand.objects.filter(
                Q(is_active=True) | Q(pk=article.brand_id)
            ).order_by("-is_default", "name")
        if article is not None:
            del self.fields["slug"]
        else:
            del self.fields["version"]
            self.fields["visibility"].initial = Visibility.PUBLIC
            self.fields["status"].initial = ArticleStatus.DRAFT

    def content(self) -> ArticleIn:
        data = self.cleaned_data
        return ArticleIn(
            category=data["category"],
            title=data["title"],
            body=data["body"],
            summary=data["summary"],
            questions=data["questions"],
            title_en=data["title_en"],
            summary_en=data["summary_en"],
            body_en=data["body_en"],
            visibility=data["visibility"],
            status=data["status"],
            # without the chooser (one brand) an article keeps the brand it has
            brand=(
                data["brand"]
                if "brand" in self.fields
                else (self.article.brand if self.article is not None else None)
            ),
        )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Nama"), max_length=100)
    slug = forms.SlugField(
        label=_("Kode"), max_length=100, required=False, help_text=_("Kosong = dibuat dari nama.")
    )
    name_en = forms.CharField(label=_("Nama (Inggris)"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Keterangan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    position = forms.IntegerField(label=_("Urutan"), min_value=0, initial=0)

    def data_in(self) -> CategoryIn:
        data = self.cleaned_data
        return CategoryIn(
            name=data["name"],
            slug=data["slug"],
            name_en=data["name_en"],
            description=data["description"],
            position=data["position"],
        )
