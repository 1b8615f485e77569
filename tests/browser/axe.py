"""axe-core in the browser tests: the serious and critical violations of a page.

axe-core comes from npm (package.json at the repository root; `make test` runs
`npm ci` when npm is there). The strict Content-Security-Policy refuses an
injected <script> element, so the source is evaluated through the DevTools
protocol, which the policy does not govern.
"""

from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
MISSING = (
    f"axe-core not found at {AXE_SOURCE.relative_to(ROOT)}: install Node.js and "
    "npm, then run `npm ci` in the repository root (`make test` does it)"
)
IMPACTS = ("serious", "critical")
# Every rule axe has, WCAG 2.2 AA and best practice alike; only the results of
# the impacts above fail a test.
RUN_OPTIONS = {"resultTypes": ["violations"]}


@cache
def _source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def require_axe() -> None:
    """Skip the calling test when axe-core is not installed (CI fails instead)."""
    if not AXE_SOURCE.exists():
        pytest.skip(MISSING)


def serious_violations(page: Page) -> list[dict]:
    """Run axe on the page as it is now; return its serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    results = page.evaluate("options => window.axe.run(document, options)", RUN_OPTIONS)
    return [v for v in results["violations"] if v["impact"] in IMPACTS]


def describe(violations: list[dict], *, limit: int = 5) -> str:
    """The violations as lines a person can act on: rule, impact, help, elements."""
    lines = []
    for violation in violations:
        lines.append(
            f"  [{violation['impact']}] {violation['id']}: {violation['help']}"
            f" ({violation['helpUrl']})"
        )
        nodes = violation["nodes"]
        for node in nodes[:limit]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"      {target}")
            lines.append(f"        {node['html'][:200]}")
            summary = node.get("failureSummary") or ""
            for detail in summary.splitlines()[1:3]:
                lines.append(f"        {detail.strip()}")
        if len(nodes) > limit:
            lines.append(f"      ... and {len(nodes) - limit} more")
    return "\n".join(lines)
