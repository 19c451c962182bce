"""The error pages (403, 404, 500), in the app's chrome, with a way back.

Staff see the workspace's top bar and a link to their inbox, customers the portal's and
a link to their tickets, anyone else the plain chrome and a link to the start page. The
500 page is rendered without the request: no context processor, no database, no session
(what failed may be any of them), and a fixed text if even that fails. The API's paths
keep their JSON errors: the composition root (``sigap/urls.py``) answers them before
these views are asked.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def _chrome(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "is_agent_or_above", False):
        return {
            "base_template": "web/staff_base.html",
            "back_url": reverse("web:inbox"),
            "back_label": _("Kembali ke kotak masuk"),
        }
    if user is not None and user.is_authenticated:
        return {
            "base_template": "portal/base.html",
            "back_url": reverse("portal:home"),
            "back_label": _("Kembali ke tiket saya"),
        }
    return {
        "base_template": "web/base.html",
        "back_url": reverse("home"),
        "back_label": _("Kembali ke halaman awal"),
    }


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", _chrome(request), status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", _chrome(request), status=403)


FALLBACK_500 = (
    '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Sigap</title></head>'
    "<body><h1>Terjadi kesalahan pada server</h1><p>Maaf, permintaan Anda tidak dapat "
    "diproses. Coba lagi sebentar lagi.</p><p>Something went wrong on the server.</p>"
    '<p><a href="/">Sigap</a></p></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        html = loader.get_template("500.html").render({"back_url": "/"})
    except Exception:  # the page of last resort must not fail in turn
        log.exception("the 500 page could not be rendered")
        html = FALLBACK_500
    return HttpResponseServerError(html)
