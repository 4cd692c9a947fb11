from __future__ import annotations

from django.urls import path

from repair.program import longrun_views, reconnection_views, views

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
    path("<slug:stage_slug>/", views.stage, name="program_stage"),
    path("<slug:stage_slug>/<slug:exercise_slug>/", views.exercise, name="program_exercise"),
]
