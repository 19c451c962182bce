"""The setup checklist (``/settings/setup/``, admins): the business's name, logo and time
zone, each setup step's state from the data, skipping a step, and the test complaint."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts import access
from sigap.accounts import business as business_service
from sigap.accounts.decorators import settings_required, staff_required
from sigap.accounts.models import BusinessTimeZone, User
from sigap.core.errors import ValidationFailed
from sigap.web import setup_checklist


class BusinessForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nama usaha"), max_length=100, required=False)
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Zona waktu"), choices=BusinessTimeZone.choices
    )
    logo = forms.FileField(
        label=gettext_lazy("Logo"),
        required=False,
        help_text=gettext_lazy("PNG, JPEG, GIF atau WebP, paling besar 1 MB."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=gettext_lazy("Hapus logo"), required=False)


@settings_required
def setup_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    access.require_global_settings(user)
    b = business_service.get()
    status = 200
    if request.method == "POST":
        form = BusinessForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                business_service.business_update(
                    actor=user,
                    name=data["name"],
                    time_zone=data["time_zone"],
                    logo=data["logo"] or None,
                    remove_logo=data["remove_logo"],
                )
            except ValidationFailed as exc:
                for field, errors in (exc.fields or {}).items():
                    for e in errors:
                        form.add_error(field if field in form.fields else None, e)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                flash.success(request, _("Data usaha disimpan."))
                return redirect("web:settings_setup")
        status = 422
    else:
        form = BusinessForm(initial={"name": b.name, "time_zone": b.time_zone})
    state = setup_checklist.checklist(b)
    return render(
        request,
        "web/settings_setup.html",
        {
            "form": form,
            "business": b,
            "checklist": state,
            "steps": state.steps,
            "dismissed": b.setup_dismissed_at is not None,
        },
        status=status,
    )


@require_POST
@settings_required
def setup_skip(request: HttpRequest, step: str) -> HttpResponse:
    if step not in setup_checklist.STEP_KEYS:
        raise Http404
    business_service.setup_skip(
        actor=cast(User, request.user), step=step, skipped=request.POST.get("skip") == "1"
    )
    return redirect(reverse("web:settings_setup") + f"#step-{step}")


@require_POST
@settings_required
def setup_dismiss(request: HttpRequest) -> HttpResponse:
    dismissed = request.POST.get("dismiss") == "1"
    business_service.setup_dismiss(actor=cast(User, request.user), dismissed=dismissed)
    if dismissed:
        flash.info(request, _("Daftar persiapan ditutup; buka lagi dari halaman Pengaturan."))
        return redirect("web:settings")
    return redirect("web:settings_setup")


@require_POST
@settings_required
def setup_test_complaint(request: HttpRequest) -> HttpResponse:
    ticket = setup_checklist.send_test_complaint(actor=cast(User, request.user))
    flash.success(
        request,
        _("Keluhan uji #%(id)s dari %(name)s ada di kotak masuk.")
        % {"id": ticket.pk, "name": setup_checklist.TEST_CUSTOMER},
    )
    return redirect(reverse("web:inbox") + "?view=all")


@require_GET
@staff_required
def business_logo(request: HttpRequest) -> HttpResponse:
    """The business's logo (the top bar); only a checked image type is ever served."""
    b = business_service.get()
    if not b.logo or b.logo_type not in business_service.LOGO_EXTENSIONS:
        raise Http404
    try:
        with b.logo.open("rb") as fh:
            content = fh.read()  # at most LOGO_MAX_BYTES
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=b.logo_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
