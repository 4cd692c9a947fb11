from __future__ import annotations

from django.urls import path

from rituals import views

app_name = "rituals"
urlpatterns = [
    path("", views.index, name="index"),
]
