from __future__ import annotations

# Daily check-ins arrive with their own issue; the app exists now so the layout is settled.
