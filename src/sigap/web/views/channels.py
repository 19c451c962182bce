"""The channels' settings pages (admins only): mailboxes with their incoming and SMTP
servers, tested with the servers' own answers, and the messaging channels. Every write goes
through ``connectors.services``."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.accounts.decorators import admin_required
from sigap.accounts.models import User
from sigap.connectors import services
from sigap.connectors.email.account import Check, MailboxError
from sigap.connectors.models import Mailbox
from sigap.core.errors import SigapError
from sigap.web.forms_channels import MailboxForm


@admin_required
def settings_channels(request: HttpRequest) -> HttpResponse:
    mailboxes = Mailbox.objects.order_by("name")
    return render(request, "web/settings_channels.html", {"mailboxes": mailboxes})


def _show_errors(form: MailboxForm, exc: SigapError) -> None:
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


@admin_required
def settings_mailbox(request: HttpRequest, mailbox_id: int | None = None) -> HttpResponse:
    """New or edit; ``action=test`` signs in with the typed values and saves nothing."""
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id) if mailbox_id else None
    form = MailboxForm(request.POST or None, instance=mailbox)
    checks: list[Check] = []
    if request.method == "POST" and form.is_valid():
        candidate = form.save(commit=False)  # not saved: the service decides
        try:
            if request.POST.get("action") == "test":
                checks = services.mailbox_test(mailbox=candidate, typed=form.typed_secrets())
            else:
                saved = services.mailbox_save(
                    actor=cast(User, request.user), mailbox=candidate, typed=form.typed_secrets()
                )
                flash.success(
                    request, _("Kotak surat %(name)s disimpan.") % {"name": saved.mailbox.name}
                )
                return redirect("web:settings_channels")
        except services.ConnectionFailed as exc:
            checks = exc.checks
            form.add_error(None, exc.message)
        except (SigapError, MailboxError) as exc:
            _show_errors(form, exc if isinstance(exc, SigapError) else SigapError(str(exc)))
    failed = any(not c.ok for c in checks) or bool(form.errors)
    status = 422 if request.method == "POST" and failed else 200
    return render(
        request,
        "web/settings_mailbox.html",
        {"form": form, "mailbox": mailbox, "checks": checks},
        status=status,
    )


@require_POST
@admin_required
def settings_mailbox_test(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """Test a saved mailbox with its stored settings."""
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id)
    form = MailboxForm(instance=mailbox)
    checks: list[Check] = []
    try:
        checks = services.mailbox_test(mailbox=mailbox)
    except (SigapError, MailboxError) as exc:
        _show_errors(form, exc if isinstance(exc, SigapError) else SigapError(str(exc)))
    status = 200 if checks and all(c.ok for c in checks) else 422
    return render(
        request,
        "web/settings_mailbox.html",
        {"form": form, "mailbox": mailbox, "checks": checks},
        status=status,
    )
