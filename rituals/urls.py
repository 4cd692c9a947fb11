from __future__ import annotations

from django.urls import path

from rituals import views

app_name = "rituals"
urlpatterns = [
    path("", views.index, name="index"),
    path("library/", views.library, name="library"),
    path("library/<slug:slug>/", views.schedule, name="schedule"),
    path("calendar/", views.calendar, name="calendar"),
    path("<int:ritual_id>/change/", views.ritual_change, name="ritual_change"),
    path("<int:ritual_id>/mark/", views.mark, name="mark"),
    path("<int:ritual_id>/answer/", views.ritual_answer, name="ritual_answer"),
    path("notes/", views.note_send, name="note_send"),
    path("reminders/", views.reminder_settings, name="reminders"),
]
