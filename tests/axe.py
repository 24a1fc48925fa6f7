"""axe-core accessibility checks for the browser tests.

The CSP allows scripts only from the portal's static files and node_modules/axe-core is not
one of them, so axe is evaluated through the DevTools protocol (page.evaluate), which the
CSP does not apply to. Nothing is added to the pages that users get.
"""

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@cache
def _axe_source():
    return AXE_JS.read_text(encoding="utf-8")


def violations(page):
    """axe's serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {
                resultTypes: ["violations"],
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                 "best-practice"]},
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")).slice(0, 8),
                detail: (v.nodes[0].any[0] || v.nodes[0].all[0] || {}).message || "",
            }));
        }"""
    )
    found = []
    for v in result:
        if v["impact"] not in BLOCKING:
            continue
        line = f"{v['id']} ({v['impact']}: {v['help']}) at {', '.join(v['targets'])}"
        line += f" — {v['detail']}"
        found.append(line)
    return found


class AxeAudit:
    """Runs axe on each page a journey visits and keeps what it finds, so one run of a
    journey lists every page's problems; ``assert_clean`` fails with all of them."""

    def __init__(self):
        self.pages = []
        self.problems = {}

    def check(self, page, label=None):
        path = page.url.split("://", 1)[-1].split("/", 1)[-1]
        name = label or "/" + path
        self.pages.append(name)
        found = violations(page)
        if found:
            self.problems[name] = found
        return found

    def assert_clean(self):
        report = "\n".join(
            f"{page}:\n  " + "\n  ".join(found) for page, found in self.problems.items()
        )
        assert not self.problems, f"serious or critical axe violations:\n{report}"
