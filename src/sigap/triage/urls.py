from django.urls import path

from sigap.triage import views

app_name = "triage"
urlpatterns = [path("status/", views.agent_status, name="agent_status")]
