from django.urls import path

from sigap.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("dibaca/", views.notification_read_all, name="read_all"),
    path("pengaturan/", views.notification_settings, name="settings"),
]
