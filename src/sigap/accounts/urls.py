from django.urls import path

from sigap.accounts import views

app_name = "accounts"

urlpatterns = [
    path("masuk/kode/", views.verify, name="verify"),
    path("akun/2fa/", views.twofactor_page, name="twofactor"),
    path("akun/sesi/", views.sessions_page, name="sessions"),
    path("keamanan/log/", views.security_log, name="security_log"),
    path("keamanan/2fa/", views.twofactor_rules, name="twofactor_rules"),
    path("undangan/<str:token>/", views.invitation, name="invitation"),
]
