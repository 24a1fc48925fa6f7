"""A browser test reads the page through Playwright's ``expect``, which waits for the page to
reach the state asked for. A plain ``assert locator.is_visible()`` (or ``.count()``,
``.inner_text()``, ``page.url``…) reads the page once, at once: after a click it may still
be reading the page being left, and the test then fails only on a slow run. Two tests failed
that way in CI; this check keeps the whole class out of every browser test."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# Locator and page methods that return the state of the moment instead of waiting for one.
SNAPSHOTS = {
    "is_visible",
    "is_hidden",
    "is_checked",
    "is_enabled",
    "is_disabled",
    "is_editable",
    "inner_text",
    "inner_html",
    "text_content",
    "input_value",
    "get_attribute",
    "all_inner_texts",
    "all_text_contents",
}
LOCATOR_MAKERS = ("locator(", "get_by_", ".nth(", ".first", ".last", "page.")


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def snapshot_asserts(source, name="<test>"):
    """``file:line`` of each assert in ``source`` that reads the page without waiting."""
    tree = ast.parse(source)
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        # Names bound to a locator (or the page) in this function: their .count() is the page's.
        locators = {"page"}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and any(
                marker in ast.get_source_segment(source, node.value) for marker in LOCATOR_MAKERS
            ):
                locators.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for node in ast.walk(function):
            if not isinstance(node, ast.Assert):
                continue
            for part in ast.walk(node.test):
                reads_page = False
                if isinstance(part, ast.Call) and isinstance(part.func, ast.Attribute):
                    method = part.func.attr
                    receiver = part.func.value
                    reads_page = method in SNAPSHOTS or (
                        method == "count" and not part.args and _root_name(receiver) in locators
                    )
                elif isinstance(part, ast.Attribute) and part.attr in ("url", "title"):
                    reads_page = _root_name(part.value) == "page"
                if reads_page:
                    found.append(f"{name}:{node.lineno}")
                    break
    return found


def browser_test_files():
    return [
        path
        for path in sorted(TESTS.glob("test_*.py"))
        if path.name != Path(__file__).name and "pytest.mark.browser" in path.read_text()
    ]


def test_the_check_finds_each_kind_of_snapshot_read():
    source = """
def test_example(page):
    rows = page.locator("tr")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_text("Saved").is_visible()
    assert not page.get_by_role("link", name="Edit").is_visible()
    assert rows.count() == 1
    assert "x" in page.locator("main").inner_text()
    assert "/done/" in page.url
    assert Thing.objects.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
"""
    assert snapshot_asserts(source) == [f"<test>:{line}" for line in (5, 6, 7, 8, 9)]


def test_browser_tests_wait_for_the_page_instead_of_reading_it_once():
    files = browser_test_files()
    assert len(files) >= 15, [path.name for path in files]
    found = [line for path in files for line in snapshot_asserts(path.read_text(), path.name)]
    assert not found, "use playwright's expect(...) for these: " + ", ".join(found)
