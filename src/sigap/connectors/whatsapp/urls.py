"""Mounted at /hooks/whatsapp/ (the registry: ``Connector.urls``)."""

from django.urls import path

from sigap.connectors.whatsapp import views

urlpatterns = [
    path("", views.webhook, name="whatsapp"),
    path("tickets/<int:ticket_id>/template/", views.template_send, name="whatsapp_template"),
]
