"""Links to records are built from their route once reversed (aims_portal/links.py): for
every route in the URL configuration that takes one record id, the link must be what
Django's ``reverse`` gives, under a script prefix too."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse, set_script_prefix
from django.urls.converters import IntConverter

from aims_portal.links import one_address_base, record_url
from aims_portal.records import registered_types


def routes_with_one_id(patterns=None, namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes_with_one_id(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            if len(converters) == 1 and isinstance(next(iter(converters.values())), IntConverter):
                yield f"{namespace}{entry.name}"


@pytest.mark.parametrize("prefix", ["/", "/aims/"])
def test_every_route_with_one_id_links_as_reverse_does(prefix):
    set_script_prefix(prefix)
    try:
        names = sorted(set(routes_with_one_id()))
        assert len(names) >= 40, names
        for name in names:
            for pk in (0, 7, 42, 10**12):
                assert record_url(name, pk) == reverse(name, args=[pk]), (name, pk)
    finally:
        set_script_prefix("/")


def test_every_record_links_to_its_page():
    for rt in registered_types():
        record = rt.model(pk=31)
        url = record.get_absolute_url()
        assert url.startswith("/") and "31" in url, (rt.model, url)


def test_an_id_that_is_not_a_whole_number_goes_to_reverse():
    assert record_url("registry:aisystem-detail", 5) == "/inventory/systems/5/"
    with pytest.raises(Exception, match="Reverse"):
        record_url("registry:aisystem-detail", "five")


def test_a_run_of_links_reads_the_address_base_once():
    """Inside ``one_address_base`` links use the URL configuration and script prefix read on
    entry (a page does not change them while it is written); outside it, the current ones."""
    set_script_prefix("/aims/")
    try:
        with one_address_base():
            assert record_url("registry:aisystem-detail", 5) == "/aims/inventory/systems/5/"
            assert record_url("registry:aisystem-detail", 5) == reverse(
                "registry:aisystem-detail", args=[5]
            )
            set_script_prefix("/other/")
            assert record_url("registry:aisystem-detail", 6) == "/aims/inventory/systems/6/"
        assert record_url("registry:aisystem-detail", 6) == "/other/inventory/systems/6/"
    finally:
        set_script_prefix("/")
    assert record_url("registry:aisystem-detail", 6) == "/inventory/systems/6/"
