"""The baselines of the web load run: the app's own settings and URLs plus two trivial views, served
by the same gunicorn processes (``tests.bench.baseline.wsgi``) so every page is reported as a ratio to
bare Django (no middleware, no database) and to the signed-in middleware stack alone."""
