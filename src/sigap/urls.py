from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from sigap.accounts.forms import SignInForm
from sigap.api import api, error_body
from sigap.core import health
from sigap.web import views as web_views
from sigap.web.views import errors as error_pages


@require_GET
def livez(request: HttpRequest) -> HttpResponse:
    """The process answers (what a load balancer or a start-up wait needs)."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process, the database, the worker's heartbeat and the age of the oldest work
    waiting past its time (``core.health``): 503 when any is stale."""
    healthy, body = health.report()
    return JsonResponse(body, status=200 if healthy else 503)


# The API and the health check first: Django tries the patterns in order, and every
# include that does not match costs a walk through its patterns (the API's hot path).
urlpatterns = [
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("", web_views.home, name="home"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(
            template_name="web/login.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("masuk/sso/", include("sigap.accounts.sso_urls")),  # single sign-on (docs/sso.md)
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The scripts' strings (djangojs catalog); pages load it when not in Indonesian.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("sigap.web.urls")),
    path("portal/", include("sigap.portal.urls")),
    path("notifikasi/", include("sigap.notifications.urls")),
    # The account's own settings live under /akun/ (2FA, sessions); the notification
    # preferences are the notifications app's page, reached from there too.
    path(
        "akun/notifikasi/",
        RedirectView.as_view(pattern_name="notifications:settings", query_string=True),
        name="account_notifications",
    ),
    path("survei/", include("sigap.surveys.urls")),
    path("hooks/", include("sigap.connectors.urls")),
    path("", include("sigap.metrics.urls")),
    path("agen/", include("sigap.triage.urls")),
    path("kb/", include("sigap.kb.urls")),
    path("chat/", include("sigap.connectors.livechat.urls")),
    path("calls/", include("sigap.connectors.phone.urls")),
    path("bantuan/", include("sigap.kb.urls_public")),
    path("", include("sigap.accounts.urls")),
    path("admin/", admin.site.urls),
]


# The error pages: styled, in the app's chrome, with a way back (``web/views/errors.py``);
# under /api/ the API's one JSON error shape instead.
def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handle_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse(
            error_body("permission_denied", gettext("Anda tidak berhak.")), status=403
        )
    return error_pages.permission_denied(request, exception)


def handle_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse(error_body("not_found", gettext("Data tidak ditemukan.")), status=404)
    return error_pages.page_not_found(request, exception)


def handle_500(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return JsonResponse(
            error_body("server_error", gettext("Terjadi kesalahan pada server. Coba lagi nanti.")),
            status=500,
        )
    return error_pages.server_error(request)


handler403 = handle_403
handler404 = handle_404
handler500 = handle_500
