from django.urls import path

from sigap.accounts import views

app_name = "accounts"

urlpatterns = [path("log/", views.security_log, name="security_log")]
