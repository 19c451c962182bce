from django.urls import path

from sigap.accounts import sso_views

app_name = "sso"

urlpatterns = [
    path("", sso_views.sso_start, name="start"),
    path("selesai/", sso_views.sso_callback, name="callback"),
]
