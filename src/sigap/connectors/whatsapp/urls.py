"""Mounted at /hooks/whatsapp/ (the registry: ``Connector.urls``)."""

from django.urls import path

from sigap.connectors.whatsapp import views

urlpatterns = [
    path("", views.webhook, name="whatsapp"),
    path("<int:account>/", views.webhook, name="whatsapp_account"),
    path("tickets/<int:ticket_id>/template/", views.template_send, name="whatsapp_template"),
]
