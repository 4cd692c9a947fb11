from __future__ import annotations

from django.urls import path

from repair.program import views

urlpatterns = [
    path("", views.overview, name="program"),
    path("roles/", views.roles, name="program_roles"),
    path("<slug:stage_slug>/", views.stage, name="program_stage"),
    path("<slug:stage_slug>/<slug:exercise_slug>/", views.exercise, name="program_exercise"),
]
