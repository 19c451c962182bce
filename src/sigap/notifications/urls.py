from django.urls import path

from sigap.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("menu/", views.notification_menu, name="menu"),
    path("dibaca/", views.notification_read_all, name="read_all"),
    path("<int:notification_id>/", views.notification_open, name="open"),
    path("<int:notification_id>/dibaca/", views.notification_read, name="read"),
    path("pengaturan/", views.notification_settings, name="settings"),
]
