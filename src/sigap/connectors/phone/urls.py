from django.urls import path

from sigap.connectors.phone import views

app_name = "calls"

urlpatterns = [
    path("start/", views.call_start, name="start"),
    path("<int:call_id>/finish/", views.call_finish, name="finish"),
    path("hooks/pbx/", views.pbx_hook, name="pbx_hook"),
    path("customers/duplicates/", views.duplicates, name="duplicates"),
    path("customers/merge/", views.merge, name="merge"),
]
