"""Filter boxes are drawn once per template and context and kept (KeptJinja2 in
aims_portal/records/filters.py). A kept drawing must be what drawing again gives, and a
context that differs in any way, the type of a string included, must be drawn anew."""

from django import forms
from django.forms.renderers import Jinja2
from django.utils.safestring import mark_safe

from aims_portal.records.filters import KeptJinja2

SELECT = "django/forms/widgets/select.html"


def select_context(label, value="b", name="stage"):
    widget = forms.Select(choices=[("a", "Alpha"), ("b", label)])
    return widget.get_context(name, value, {"id": f"id_{name}", "class": "form-select"})


def test_a_kept_drawing_is_the_fresh_one():
    kept, fresh = KeptJinja2(), Jinja2()
    context = select_context("Beta")
    first = kept.render(SELECT, context)
    assert first == fresh.render(SELECT, context)
    assert kept.render(SELECT, select_context("Beta")) is first  # drawn once, then kept
    assert "selected" in first and ">Beta<" in first


def test_any_difference_in_the_context_is_drawn_anew():
    kept = KeptJinja2()
    beta = kept.render(SELECT, select_context("Beta"))
    assert kept.render(SELECT, select_context("Beta", value="a")) != beta
    assert kept.render(SELECT, select_context("Beta", name="tier")) != beta
    plain = kept.render(SELECT, select_context("<i>Beta</i>"))
    safe = kept.render(SELECT, select_context(mark_safe("<i>Beta</i>")))
    assert "&lt;i&gt;Beta&lt;/i&gt;" in plain
    assert "<i>Beta</i>" in safe


def test_a_context_that_cannot_be_a_key_is_drawn_every_time():
    class Unhashable:
        __hash__ = None

        def __str__(self):
            return "Gamma"

    kept = KeptJinja2()
    context = select_context("Beta")
    context["widget"]["attrs"]["data-thing"] = Unhashable()
    drawn = kept.render(SELECT, context)
    assert 'data-thing="Gamma"' in drawn
    assert len(kept._kept) == 0


def test_the_kept_drawings_stay_bounded():
    kept = KeptJinja2()
    kept._kept.limit = 3
    for number in range(10):
        kept.render(SELECT, select_context(f"Option {number}"))
        assert len(kept._kept) <= 3
