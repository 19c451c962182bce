"""Mounted at /hooks/telegram/ (the registry: ``Connector.urls``)."""

from django.urls import path

from sigap.connectors.telegram import views

urlpatterns = [
    path("", views.webhook, name="telegram"),
    path("<int:account>/", views.webhook, name="telegram_account"),
]
