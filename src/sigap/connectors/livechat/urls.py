from django.urls import path

from sigap.connectors.livechat import views

app_name = "livechat"

urlpatterns = [
    path("", views.console, name="console"),
    path("contoh/", views.sample, name="sample"),
    path("widget/", views.widget_config, name="widget_config"),
    path("lampiran/", views.visitor_upload, name="visitor_upload"),
    path("verifikasi/kode/", views.code_send, name="code_send"),
    path("verifikasi/", views.code_check, name="code_check"),
    path("<int:chat_id>/lampiran/", views.agent_upload, name="agent_upload"),
    path("<int:chat_id>/samping/", views.side, name="side"),
    path("lampiran/<str:key>/", views.attachment, name="attachment"),
]
