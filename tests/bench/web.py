"""The web load run: gunicorn with the production settings (PostgreSQL, Redis cache and sessions, DEBUG
off), warmed up, then wrk on loopback with signed-in sessions spread over many couples. Every page is
reported as a ratio to **bare Django**: a view reached with no middleware and no database, served by
the same gunicorn workers (tests/bench/baseline/wsgi.py), measured in short runs just before and just
after that page's own max run (the machine's speed drifts by tens of per cent within minutes). The
second line of comparison is the **signed-in middleware-only** view: the app's whole middleware stack
with a signed-in session and an empty view, i.e. the fixed cost every page pays before its own work.

    .venv/bin/python -m tests.bench.web            # after `manage.py bench_seed` into repair_load

Environment: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/repair_load), BENCH_REDIS_URL
(redis://127.0.0.1:6379/3), BENCH_PORT (8100), BENCH_WORKERS (gunicorn workers), BENCH_SECONDS (per
run), BENCH_CONNECTIONS, BENCH_USERS (sessions signed in). Needs `wrk` (apt-get install wrk).

Each endpoint gets two runs: "max" (closed loop, BENCH_CONNECTIONS connections, no pause) and "half"
(fewer connections, each pausing between requests with wrk's Lua ``delay()`` so the offered rate is
about half the max run's throughput; wrk2 isn't packaged on Debian). The half run is still a closed
loop, so its percentiles understate queueing a little (coordinated omission); the achieved rate is
printed next to it.
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.bench.seed import BENCH_PASSWORD, bench_email

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
SCALES = ("safety", "closeness", "trust", "touch", "mood", "stress", "sleep")


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    method: str = "GET"
    signed_in: bool = True
    expect: int = 200


BARE = "bare Django"
MIDDLEWARE_ONLY = "signed-in middleware only"
ENDPOINTS = (
    Endpoint(BARE, "/bench/bare/"),
    Endpoint(MIDDLEWARE_ONLY, "/bench/baseline/"),
    Endpoint("Today", "/"),
    Endpoint("check-in submit (POST)", "/checkins/", method="POST", expect=302),
    Endpoint("history, 90 days", "/checkins/history/?range=90"),
    Endpoint("program", "/program/"),
    Endpoint("calendar, month", "/rituals/calendar/?view=month"),
)


@dataclass(frozen=True)
class Result:
    endpoint: str
    mode: str
    connections: int
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    requests: int
    # For a max run other than bare Django's own: the mean req/s of the bare-Django runs just before
    # and just after it, the figure its ratio is taken against (see ``main``).
    beside: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.rps / self.beside if self.beside else None


def server_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.bench.baseline.settings",
        DATABASE_URL=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/repair_load"
        ),
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
        CELERY_BROKER_URL=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/2"),
        CACHE_KEY_PREFIX="mend-bench",
        SECRET_KEY="bench-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        DEBUG="false",
        SITE_URL=f"http://127.0.0.1:{port}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=str(ROOT / "var" / "bench" / "static"),
        LOG_LEVEL="WARNING",
    )
    return env


def start_gunicorn(
    *, port: int, workers: int, threads: int, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    command = [
        str(VENV_BIN / "gunicorn"),
        "tests.bench.baseline.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            bare = urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.3)
    # Honest baselines: the bare path adds none of the middleware's headers, the other path does.
    added = {"Content-Security-Policy", "X-Frame-Options", "Vary", "Cache-Control"}
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/baseline/", timeout=5) as stack:
        stack_headers = set(stack.headers.keys())
    if added & set(bare.headers.keys()) or "Content-Security-Policy" not in stack_headers:
        stop(process)
        raise SystemExit(f"baselines are not what they say: bare {dict(bare.headers)}")
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def sign_in(base: str, email: str, password: str) -> str:
    """A real sign-in: GET the form, POST it with its CSRF token. Returns the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    page = opener.open(base + "/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": html.unescape(token.group(1)), "login": email, "password": password}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
        base + "/accounts/login/", data=body, headers={"Origin": base, "Referer": base + "/"}
    )
    status, location = 200, ""
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        status, location = error.code, error.headers.get("Location") or ""
    if status != 302 or "/accounts/login" in location:
        raise SystemExit(f"sign-in for {email} failed: {status} {location}")
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies or "csrftoken" not in cookies:
        raise SystemExit(f"sign-in for {email} set no session: {sorted(cookies)}")
    return f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"


def lua_script(
    *, endpoint: Endpoint, cookies: list[str], origin: str, delay_ms: int, path: Path
) -> None:
    def lua_str(value: str) -> str:
        return json.dumps(value)  # a JSON string is a valid Lua string for these characters

    sessions = ",\n".join(
        "{" + lua_str(c) + ", " + lua_str(re.search(r"csrftoken=([^;]+)", c).group(1)) + "}"  # type: ignore[union-attr]
        for c in cookies
    )
    fields = "&".join(f"{s}={(i % 5) + 1}" for i, s in enumerate(SCALES))
    path.write_text(
        f"""
local sessions = {{
{sessions}
}}
local method, target, expect = {lua_str(endpoint.method)}, {lua_str(endpoint.path)}, {endpoint.expect}
local signed_in, delay_ms = {"true" if endpoint.signed_in else "false"}, {delay_ms}
local threads = {{}}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  n = id * 7919
  bad = 0
  statuses = {{}}
end

function request()
  n = n + 1
  local s = sessions[(n % #sessions) + 1]
  local headers = {{}}
  if signed_in then headers["Cookie"] = s[1] end
  local body = nil
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Origin"] = {lua_str(origin)}
    body = "{fields}&share_mood=on&helped=&appreciated=&need=&csrfmiddlewaretoken=" .. s[2]
  end
  return wrk.format(method, target, headers, body)
end

function response(status, headers, body)
  if status ~= expect then
    bad = bad + 1
    statuses[status] = (statuses[status] or 0) + 1
  elseif status == 302 and not string.find(headers["Location"] or "", "^/checkins/") then
    bad = bad + 1
  end
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local wrong = 0
  for _, t in ipairs(threads) do wrong = wrong + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "socket_errors": %d, "http_status_errors": %d, "wrong_responses": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status, wrong))
end
"""
    )


def run_wrk(
    *,
    base: str,
    endpoint: Endpoint,
    cookies: list[str],
    connections: int,
    seconds: int,
    delay_ms: int = 0,
    mode: str = "max",
) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "bench.lua"
        lua_script(endpoint=endpoint, cookies=cookies, origin=base, delay_ms=delay_ms, path=script)
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                base + endpoint.path,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    assert line, out
    data = json.loads(line.removeprefix("RESULT "))
    # wrk counts non-2xx/3xx in http_status_errors; our Lua counts any unexpected status.
    errors = data["socket_errors"] + max(data["http_status_errors"], data["wrong_responses"])
    return Result(
        endpoint=endpoint.name,
        mode=mode,
        connections=connections,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50=data["p50"] / 1000,
        p95=data["p95"] / 1000,
        p99=data["p99"] / 1000,
        errors=errors,
        requests=data["requests"],
    )


def table(results: list[Result]) -> str:
    """One row per run. "to bare Django" is the max run's req/s over the bare-Django runs just before
    and after it; "to the middleware-only view" divides that by the middleware-only view's own ratio to
    bare Django, so the drift of the machine between the two runs cancels out."""
    stack = next(
        (r.ratio for r in results if r.endpoint == MIDDLEWARE_ONLY and r.mode == "max"), None
    )
    lines = [
        "| endpoint | run | conns | req/s | p50 ms | p95 ms | p99 ms | errors / requests "
        "| bare Django beside it, req/s | **ratio to bare Django** | ratio to the middleware-only view |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        to_bare = r.ratio if r.endpoint != BARE else (1.0 if r.mode == "max" else None)
        to_stack = (
            to_bare / stack
            if to_bare is not None and stack and r.endpoint not in (BARE, MIDDLEWARE_ONLY)
            else None
        )
        lines.append(
            f"| {r.endpoint} | {r.mode} | {r.connections} | {r.rps:,.0f} | {r.p50:.1f} | {r.p95:.1f} "
            f"| {r.p99:.1f} | {r.errors} / {r.requests} "
            f"| {f'{r.beside:,.0f}' if r.beside else '–'} "
            f"| {f'{to_bare:.1%}' if to_bare is not None else '–'} "
            f"| {f'{to_stack:.0%}' if to_stack is not None else '–'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8100")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "1")))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "20")))
    parser.add_argument(
        "--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", "16"))
    )
    parser.add_argument("--users", type=int, default=int(os.environ.get("BENCH_USERS", "200")))
    parser.add_argument("--couples", type=int, default=2000, help="couples in the seeded database")
    parser.add_argument("--only", help="comma-separated endpoint name prefixes")
    parser.add_argument("--no-half", action="store_true", help="skip the half-load runs")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args()

    env = server_env(args.port)
    base = f"http://127.0.0.1:{args.port}"
    print(
        f"gunicorn: {args.workers} workers"
        + (f" x {args.threads} threads (gthread)" if args.threads > 1 else " (sync)")
        + f" on {base}; wrk -t1, {args.seconds} s per run; {os.cpu_count()} CPUs"
    )
    server = start_gunicorn(port=args.port, workers=args.workers, threads=args.threads, env=env)
    try:
        step = max(1, args.couples // args.users)
        emails = [bench_email((i * step) % args.couples, "ab"[i % 2]) for i in range(args.users)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            cookies = list(pool.map(lambda e: sign_in(base, e, BENCH_PASSWORD), emails))
        print(
            f"signed in {len(cookies)} people from {len({e.split('-')[1] for e in emails})} "
            f"couples in {time.perf_counter() - started:.1f} s"
        )
        endpoints = [
            e
            for e in ENDPOINTS
            if not args.only or any(e.name.startswith(p) for p in args.only.split(","))
        ]
        # Warm-up: every worker has imported, compiled templates and opened its DB connection.
        for endpoint in endpoints:
            run_wrk(base=base, endpoint=endpoint, cookies=cookies, connections=8, seconds=3)
        results: list[Result] = []
        bare = next(e for e in ENDPOINTS if e.name == BARE)

        def baseline_now() -> float:
            """A short bare-Django max run: this small VM's speed drifts by tens of per cent within
            minutes, so each page is compared with bare Django measured just before and after it."""
            return run_wrk(
                base=base,
                endpoint=bare,
                cookies=cookies,
                connections=args.connections,
                seconds=max(5, args.seconds // 2),
            ).rps

        for endpoint in endpoints:
            is_page = endpoint is not bare
            before = baseline_now() if is_page else 0.0
            peak = run_wrk(
                base=base,
                endpoint=endpoint,
                cookies=cookies,
                connections=args.connections,
                seconds=args.seconds,
            )
            if is_page:
                peak = dataclasses.replace(peak, beside=(before + baseline_now()) / 2)
            results.append(peak)
            print(
                f"  {peak.endpoint:<24} max  {peak.rps:8.0f} req/s  p95 {peak.p95:6.1f} ms  errors {peak.errors}"
                + (
                    f"  (bare Django beside it {peak.beside:.0f} req/s: {peak.ratio:.1%})"
                    if peak.beside
                    else ""
                ),
                flush=True,
            )
            if args.no_half:
                continue
            # Half load: C connections each waiting `delay` between requests, so that
            # C / (delay + service time) ~ peak / 2. The service time is the max run's p50 divided by
            # its queue depth, i.e. 1 / peak * workers-ish; using conns / peak keeps it simple.
            half_conns = max(2, args.connections // 2)
            service_ms = 1000 * args.workers / peak.rps
            delay_ms = max(1, round(1000 * half_conns / (peak.rps / 2) - service_ms))
            half = run_wrk(
                base=base,
                endpoint=endpoint,
                cookies=cookies,
                connections=half_conns,
                seconds=args.seconds,
                delay_ms=delay_ms,
                mode="half",
            )
            results.append(half)
            print(
                f"  {half.endpoint:<24} half {half.rps:8.0f} req/s  p95 {half.p95:6.1f} ms  errors {half.errors}",
                flush=True,
            )
    finally:
        stop(server)
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    if any(r.errors for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
