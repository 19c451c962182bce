"""Limits on abuse of the sign-in and of the mail anyone can make Sigap send.

* **Password guessing**: django-axes counts failed sign-ins per account and per client
  address (``AXES_*`` in settings). Past the limit, every try, the right password
  included, gets ``locked_out``: HTTP 429 with the reason in Indonesian. The lock runs out
  by itself (``AXES_COOLOFF_TIME``); an admin lifts it earlier in the admin.
* **Mail on request** (a sign-in link, a sign-up's activation): ``mail_allowed`` limits it
  per recipient (``SIGAP_MAIL_PER_RECIPIENT``) and per client address
  (``SIGAP_MAIL_PER_CLIENT``) with django-ratelimit on the shared cache, counted whether
  or not the address has an account (the limit tells nothing about accounts).
* **Article suggestions while a customer types** (the widget, the portal's complaint
  form): ``suggestions_allowed`` limits them per client address
  (``SIGAP_SUGGESTIONS_PER_CLIENT``) and per signed-in account
  (``SIGAP_SUGGESTIONS_PER_USER``); past it the endpoint answers 429 with
  ``SUGGESTIONS_LIMITED`` in the customer's language and the form goes on working.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.utils import reset
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import is_ratelimited

log = logging.getLogger(__name__)
MAIL_CLIENT = "sigap.mail-on-request.client"
MAIL_RECIPIENT = "sigap.mail-on-request.recipient"
SUGGEST_CLIENT = "sigap.suggestions.client"
SUGGEST_USER = "sigap.suggestions.user"
SUGGESTIONS_LIMITED = gettext_lazy(
    "Terlalu banyak permintaan saran artikel. Tunggu sebentar; Anda tetap dapat mengisi "
    "formulir ini."
)
SUGGESTIONS_RETRY_SECONDS = 60


def forget(usernames: list[str]) -> int:
    """An erased customer's (UU PDP) names in Axes' records: the sign-in log (every
    sign-in with its address and browser) and the failures counted against them, deleted
    (by Axes' indexed username, as typed: as given, in lower and upper case, and with a
    capital first letter as a phone's keyboard types it; not every mix of cases).
    Returns the number of rows."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    names = sorted(
        {v for n in usernames if n for v in (n, n.lower(), n.upper(), n[:1].upper() + n[1:])}
    )
    if not names:
        return 0
    deleted = 0
    for model in (AccessLog, AccessAttempt, AccessFailureLog):
        deleted += model.objects.filter(username__in=names).delete()[0]
    return deleted


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def locked_out(
    request: HttpRequest, credentials: dict[str, Any] | None, *args: Any
) -> HttpResponse:
    """Axes' answer to a sign-in while locked out."""
    username = (credentials or {}).get("username", "")
    log.warning("sign-in locked out: account %r from %s", username[:150], client_address(request))
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "web/too_many.html",
        {
            "title": _("Terlalu banyak percobaan masuk"),
            "text": _(
                "Terlalu banyak percobaan masuk yang gagal untuk akun ini atau dari alamat "
                "Anda. Coba lagi dalam %(minutes)s menit, atau minta admin membuka kuncinya."
            )
            % {"minutes": minutes},
        },
        status=429,
    )


def mail_allowed(request: HttpRequest, group: str, recipient: str) -> bool:
    """May ``group``'s mail (e.g. ``portal.link``) go to ``recipient`` at this request?
    Counts the request either way, under limits every kind of mail on request shares (a
    sign-up, a sign-in link and a live-chat code to one address add up)."""
    recipient = recipient.strip().lower()
    by_client = is_ratelimited(
        request,
        group=MAIL_CLIENT,
        key="ip",
        rate=settings.SIGAP_MAIL_PER_CLIENT,
        increment=True,
    )
    by_recipient = is_ratelimited(
        request,
        group=MAIL_RECIPIENT,
        key=lambda _group, _request: recipient,
        rate=settings.SIGAP_MAIL_PER_RECIPIENT,
        increment=True,
    )
    if by_client or by_recipient:
        log.warning(
            "mail rate limit: %s to %s from %s (%s)",
            group,
            recipient,
            client_address(request),
            "client" if by_client else "recipient",
        )
        return False
    return True


def suggestions_allowed(request: HttpRequest) -> bool:
    """May this request have article suggestions? Counts it per client address and, for
    a signed-in account, per account."""
    by_client = is_ratelimited(
        request,
        group=SUGGEST_CLIENT,
        key="ip",
        rate=settings.SIGAP_SUGGESTIONS_PER_CLIENT,
        increment=True,
    )
    by_user = request.user.is_authenticated and is_ratelimited(
        request,
        group=SUGGEST_USER,
        key="user",
        rate=settings.SIGAP_SUGGESTIONS_PER_USER,
        increment=True,
    )
    if by_client or by_user:
        log.warning(
            "suggestions rate limit: %s from %s",
            "client" if by_client else f"user {request.user.pk}",
            client_address(request),
        )
        return False
    return True


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/too_many.html",
        {
            "title": _("Terlalu banyak permintaan"),
            "text": _(
                "Terlalu banyak permintaan email untuk alamat ini atau dari alamat Anda. "
                "Tunggu beberapa menit, lalu coba lagi."
            ),
        },
        status=429,
    )


def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """Who proved their password starts afresh: their own failures, and only theirs."""
    reset(username=user.get_username())


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="limits-signed-in")
