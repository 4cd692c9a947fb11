from __future__ import annotations

from django.urls import path

from repair.program import reconnection_views, views

urlpatterns = [
    path("", views.overview, name="program"),
    path("roles/", views.roles, name="program_roles"),
    # Before the stage patterns, which would take "reconnection" for a stage's slug.
    path("reconnection/", reconnection_views.reconnection, name="program_reconnection"),
    path(
        "reconnection/<slug:step_slug>/",
        reconnection_views.reconnection_step,
        name="program_reconnection_step",
    ),
    path("<slug:stage_slug>/", views.stage, name="program_stage"),
    path("<slug:stage_slug>/<slug:exercise_slug>/", views.exercise, name="program_exercise"),
]
