from __future__ import annotations

from django.urls import path

from checkins import views

app_name = "checkins"
urlpatterns = [
    path("", views.index, name="index"),
    path("history/", views.history, name="history"),
    path("<int:checkin_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("export.<str:fmt>", views.export, name="export"),
    path("preferences/", views.preferences, name="preferences"),
]
