"""The real URLconf plus views that fail, for the error pages' tests."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from sigap import urls as real


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret-detail-of-the-failure")


def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("internal reason")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom/", boom),
    path("refuse/", refuse),
    *real.urlpatterns,
]
handler403 = real.handler403
handler404 = real.handler404
handler500 = real.handler500
