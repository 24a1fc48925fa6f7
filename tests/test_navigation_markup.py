"""The navigation is written once per role set and current link (context_processors
``navigation_html``). These tests hold it to the markup the shell's template loop wrote
before, for every role on every list page, and check that what is kept follows the roles
and the script prefix the portal is served under."""

import re

import pytest
from django.template import Context, Template
from django.urls import set_script_prefix

from aims_portal.context_processors import navigation, navigation_html
from aims_portal.records import registered_types

pytestmark = pytest.mark.django_db

# The loop base.html had before the navigation was written in Python.
LOOP = Template(
    """{% for section in nav %}
        <h2 class="portal-nav-heading">{{ section.label }}</h2>
        <ul class="nav flex-column">
          {% for item in section.items %}
            <li class="nav-item">
              <a class="nav-link {% if item.active %}active{% endif %}" href="{{ item.url }}"
                 {% if item.active %}aria-current="page"{% endif %}>
                <i class="bi bi-{{ item.icon }}" aria-hidden="true"></i> {{ item.label }}
              </a>
            </li>
          {% endfor %}
        </ul>
      {% endfor %}"""
)


def normalised(html):
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"\s*(<|>)\s*", r"\1", html)
    return re.sub(r'class="nav-link "', 'class="nav-link"', html).replace(" >", ">")


def test_the_markup_is_the_template_loops_for_every_role_and_page(users):
    paths = ["/", "/readiness/", "/integrity/", *[rt.list_url for rt in registered_types()]]
    compared = 0
    for user in users.values():
        for path in paths:
            expected = LOOP.render(Context({"nav": navigation(user, path)}))
            assert normalised(str(navigation_html(user, path))) == normalised(expected), (
                user,
                path,
            )
            compared += 1
    assert compared == len(users) * len(paths)


def test_exactly_one_link_is_current_on_a_list_page(lead):
    html = str(navigation_html(lead, "/controls/soa/"))
    assert html.count('aria-current="page"') == 1
    assert '<a class="nav-link active" href="/controls/soa/" aria-current="page">' in html


def test_each_role_gets_its_own_menu(owner, auditor):
    assert "/integrity/" in str(navigation_html(auditor, "/"))
    assert "/integrity/" not in str(navigation_html(owner, "/"))


def test_links_follow_the_script_prefix(lead):
    try:
        set_script_prefix("/aims/")
        under_prefix = str(navigation_html(lead, "/aims/"))
    finally:
        set_script_prefix("/")
    assert 'href="/aims/inventory/systems/"' in under_prefix
    assert 'href="/inventory/systems/"' in str(navigation_html(lead, "/"))


def test_labels_are_escaped(lead, monkeypatch):
    from aims_portal import context_processors

    monkeypatch.setattr(
        context_processors,
        "_menu",
        lambda *key: (("overview", "<b>Overview</b>", (("<i>x</i>", "/", "house"),)),),
    )
    html = str(navigation_html(lead, "/"))
    assert "&lt;b&gt;Overview&lt;/b&gt;" in html and "&lt;i&gt;x&lt;/i&gt;" in html
