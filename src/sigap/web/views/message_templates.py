"""Message templates (``/settings/templates/``, admins only): the texts Sigap sends
customers by itself, per brand and language, with a preview and a reset to default
(``accounts.message_templates``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import brands
from sigap.accounts import message_templates as mt
from sigap.accounts.decorators import admin_required
from sigap.accounts.models import Brand, MessageTemplate, User
from sigap.core.errors import ValidationFailed


class TemplateForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subjek"), required=False, strip=False)
    body = forms.CharField(
        label=gettext_lazy("Isi pesan"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )


def _languages() -> dict[str, str]:
    return {code: str(name) for code, name in settings.LANGUAGES}


@admin_required
def settings_templates(request: HttpRequest) -> HttpResponse:
    several = brands.several()
    edited: dict[tuple[str, str], list[Brand | None]] = {}
    for row in MessageTemplate.objects.select_related("brand").order_by("brand__name"):
        edited.setdefault((row.key, row.language), []).append(row.brand)
    languages = _languages()
    rows = [
        (
            spec,
            [(code, name, edited.get((spec.key, code), [])) for code, name in languages.items()],
        )
        for spec in mt.KEYS.values()
    ]
    return render(request, "web/settings_templates.html", {"rows": rows, "several": several})


def _brand(request: HttpRequest) -> Brand | None:
    slug = request.GET.get("merek", "")
    if not slug:
        return None
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None:
        raise Http404
    return brand


@admin_required
def settings_template(request: HttpRequest, key: str, language: str) -> HttpResponse:
    spec = mt.KEYS.get(key)
    if spec is None or language not in _languages():
        raise Http404
    user = cast(User, request.user)
    brand = _brand(request)
    stored = (
        MessageTemplate.objects.select_related("updated_by")
        .filter(key=key, language=language, brand=brand)
        .first()
    )
    here = request.get_full_path()
    preview: mt.Rendered | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "reset":
            if mt.message_template_reset(actor=user, key=key, language=language, brand=brand):
                flash.success(request, _("Templat dikembalikan ke teks bawaan."))
            return redirect(here)
        form = TemplateForm(request.POST)
        form.is_valid()
        subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
        try:
            if action == "preview":
                errors = mt.check(key, subject=subject, body=body)
                if errors:
                    raise ValidationFailed(_("Templat belum dapat dipratinjau."), fields=errors)
                preview = mt.fill(subject, body, mt.sample_context(key, language))
            else:
                mt.message_template_save(
                    actor=user, key=key, language=language, brand=brand, subject=subject, body=body
                )
                flash.success(request, _("Templat disimpan."))
                return redirect(here)
        except ValidationFailed as exc:
            for field, messages in exc.fields.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
            status = 422
    else:
        # this level's text, or what its customers get now (the text it falls back to)
        if stored is not None:
            subject, body = stored.subject, stored.body
        elif brand is None:
            subject, body = spec.subject.get(language, ""), spec.body[language]
        else:
            subject, body, _customized = mt.resolve(key, language, brand.pk)
        form = TemplateForm(initial={"subject": subject, "body": body})
    if not spec.has_subject:
        del form.fields["subject"]
    context: dict[str, Any] = {
        "spec": spec,
        "language": language,
        "language_name": _languages()[language],
        "brand": brand,
        "brands": list(Brand.objects.filter(is_active=True)) if brands.several() else [],
        "stored": stored,
        "form": form,
        "preview": preview,
        # each as the text in this language writes it, the other name beside it, and what
        # it stands for in the reader's language
        "placeholders": [
            (*mt.P[name].written(language), mt.P[name].description) for name in spec.accepted
        ],
        "list_url": reverse("web:settings_templates"),
    }
    return render(request, "web/settings_template.html", context, status=status)
