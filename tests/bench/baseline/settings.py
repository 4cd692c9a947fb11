"""The production settings (repair.settings, all from the environment) with two bench-only changes:
the baseline URL is mounted, and allauth's sign-in rate limits are raised so that the load run can
sign in a few hundred people from one loopback address."""

from __future__ import annotations

from repair.settings import *  # noqa: F403
from repair.settings import ACCOUNT_RATE_LIMITS

ROOT_URLCONF = "tests.bench.baseline.urls"
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "100000/m/ip", "login_failed": "100000/m/ip"}
