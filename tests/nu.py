"""The Nu Html Checker (vnu.jar, fetched by `make test`), run once over a set of pages. A helper
module, not a test module: tests/test_markup.py and the tests of pages that need data to show
their every state use it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.subprocesses import ROOT

VNU_JAR = Path(
    os.environ.get("VNU_JAR", ROOT / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar")
)


def nu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Every error the checker finds in ``pages`` (a name for each page -> its HTML), as
    "name: line N: message". Fails the test, saying how to get it, if the checker is missing."""
    if not VNU_JAR.exists():
        pytest.fail(f"The Nu Html Checker is missing at {VNU_JAR}: `make test` fetches it.")
    files = {}
    for number, (name, html) in enumerate(sorted(pages.items())):
        path = folder / f"page-{number}.html"
        path.write_text(html)
        files[path.name] = name
    ran = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            *sorted(map(str, folder.glob("*.html"))),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(ran.stderr or ran.stdout or '{"messages": []}')
    return [
        f"{files[Path(m['url']).name]}: line {m.get('lastLine')}: {m['message']}"
        for m in report["messages"]
        if m.get("type") == "error"
    ]
