"""Mounted at /hooks/meta/ (one webhook for both of Meta's channels: the Facebook
connector's ``urls`` with ``hook="meta"``)."""

from django.urls import path

from sigap.connectors.meta import views

urlpatterns = [
    path("", views.webhook, name="meta"),
    path("<int:account>/", views.webhook, name="meta_account"),
]
