"""The bare-Django baseline for the web load run: the app's own settings and URLs, plus one trivial
view, served by the same gunicorn process so every page is reported as a ratio to it."""
