from __future__ import annotations

# Rituals and reminders arrive with their own issue; the app exists now so the layout is settled.
