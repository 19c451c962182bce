from django.urls import path

from sigap.surveys import views

app_name = "surveys"
urlpatterns = [path("<str:token>/", views.answer, name="answer")]
