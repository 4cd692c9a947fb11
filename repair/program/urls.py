from __future__ import annotations

from django.urls import path

from repair.program import track_views, views

urlpatterns = [
    path("", views.overview, name="program"),
    path("roles/", views.roles, name="program_roles"),
    # Each person's own track, before the stages' pattern (no stage is called "track").
    path("track/", track_views.own_track, name="program_track"),
    path(
        "track/<slug:exercise_slug>/",
        track_views.own_track_exercise,
        name="program_track_exercise",
    ),
    path("<slug:stage_slug>/", views.stage, name="program_stage"),
    path("<slug:stage_slug>/<slug:exercise_slug>/", views.exercise, name="program_exercise"),
]
