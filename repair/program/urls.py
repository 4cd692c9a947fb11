from __future__ import annotations

from django.urls import path

from repair.program import longrun_views, reconnection_views, track_views, views

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
    # The long run (before the stage pattern: "prompts" and "check-back" are no stage's slug).
    path("prompts/", longrun_views.bank_page, name="program_bank"),
    path("prompts/before/", longrun_views.bank_past, name="program_bank_past"),
    path("check-back/<int:months>/", longrun_views.check_back, name="program_check_back"),
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
