"""Django's ``{# … #}`` comment ends on its own line: one spread over several lines is not a
comment, and its words are printed into the page (they once stretched the header)."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_no_template_spreads_a_short_comment_over_several_lines():
    open_comments = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert not open_comments, "use {% comment %} for these: " + ", ".join(open_comments)
