"""Nothing is reachable anonymously but the login page, the health check and static files."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# The favicon redirect points at a public static icon: browsers ask for it before logging in.
ALLOWED_ANONYMOUS = {"/accounts/login/", "/health/", "/favicon.ico"}
# An invitation's set-password link is opened before its holder has a password; a wrong or
# used token answers with the page saying so.
ALLOWED_ANONYMOUS |= {"/people/set-password/1/1/"}
# The log's published side: checkpoints, the public key and proofs are readable by anyone on
# purpose (README, Verifying integrity); they hold hashes and signatures only.
PUBLISHED = {
    "/integrity/checkpoint",
    "/integrity/checkpoints/1.txt",
    "/integrity/public-key.pem",
    "/integrity/verifier-key",
    "/api/v1/integrity/checkpoints/",
    "/api/v1/integrity/proofs/inclusion/",
    "/api/v1/integrity/proofs/consistency/",
}


def _fill_group(body, name):
    """A sample value that the named group's own pattern accepts."""
    candidates = ["json"] if name == "format" else ["1", "x", "submit", "a1"]
    if "|" in body:  # e.g. the admin's (?P<app_label>auth|registry)
        candidates.append(re.sub(r"[^\w-]", "", body.split("|")[0]))
    for candidate in candidates:
        if re.fullmatch(body, candidate):
            return candidate
    raise AssertionError(f"no sample value for ({name}: {body}); extend _fill_group")


def _regex_to_path(regex):
    out, i = [], 0
    regex = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    while i < len(regex):
        if regex.startswith("(?P<", i):
            name_end = regex.index(">", i)
            name = regex[i + 4 : name_end]
            depth, j = 1, name_end + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            out.append(_fill_group(regex[name_end + 1 : j - 1], name))
            i = j
        elif regex[i] == "\\":
            out.append(regex[i + 1])
            i += 2
        elif regex[i] in "?*+":
            i += 1
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _route_to_path(route):
    def sample(match):
        converter, name = match.groups()
        if name == "format":
            return ".json" if converter == "drf_format_suffix" else "json"
        return "1" if converter in (None, "int") else "x"

    return re.sub(r"<(?:(\w+):)?(\w+)>", sample, route)


def _to_path(pattern):
    if hasattr(pattern.pattern, "_route"):
        return _route_to_path(pattern.pattern._route)
    return _regex_to_path(pattern.pattern._regex)


def every_url(resolver=None, prefix="/"):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        path = prefix + _to_path(pattern)
        if isinstance(pattern, URLResolver):
            yield from every_url(pattern, path)
        elif isinstance(pattern, URLPattern):
            yield path.replace("//", "/")


URLS = sorted(set(every_url()))
REFUSED = [url for url in URLS if url not in ALLOWED_ANONYMOUS | PUBLISHED]


def test_the_sweep_sees_the_portal():
    # Guards the enumeration itself: if it found nothing, the sweep would prove nothing.
    assert {"/", "/inventory/suppliers/", "/inventory/systems/1/edit/", "/admin/"} <= set(URLS)
    assert any(url.startswith("/api/v1/registry/") for url in URLS)
    assert len(URLS) > 40
    assert set(URLS) >= ALLOWED_ANONYMOUS


@pytest.mark.django_db
@pytest.mark.parametrize("url", REFUSED)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_refused(client, url, method):
    response = getattr(client, method)(url, follow=True)
    if url.startswith("/api/"):
        assert response.status_code in (401, 403), (url, response.status_code)
    else:
        # The admin sends people to its login URL first, which hands over to the portal's.
        assert response.redirect_chain, (url, response.status_code)
        final_url = response.redirect_chain[-1][0]
        assert final_url.startswith("/accounts/login/"), (url, final_url)


@pytest.mark.django_db
@pytest.mark.parametrize("url", sorted(ALLOWED_ANONYMOUS))
def test_the_allowed_pages_answer_anonymously(client, url):
    # The favicon answers with a permanent redirect to the icon among the static files.
    assert client.get(url, follow=True).status_code == 200


@pytest.mark.django_db
def test_the_published_side_of_the_log_answers_anonymously_and_only_reads(client, lead):
    from integrity import services

    assert set(URLS) >= PUBLISHED
    checkpoint = services.checkpoint_create()
    assert client.get("/integrity/checkpoint").content.decode() == checkpoint.note
    assert client.get(f"/integrity/checkpoints/{checkpoint.pk}.txt").status_code == 200
    assert b"BEGIN PUBLIC KEY" in client.get("/integrity/public-key.pem").content
    name, key_id, _ = client.get("/integrity/verifier-key").content.decode().split("+", 2)
    assert name == checkpoint.note.split("\n")[0] and len(key_id) == 8
    listed = client.get("/api/v1/integrity/checkpoints/").json()
    assert listed["results"][0]["note"] == checkpoint.note
    proof = client.get(f"/api/v1/integrity/proofs/consistency/?from=1&to={checkpoint.sequence}")
    assert proof.status_code == 200 and proof.json()["root_hash"] == checkpoint.root_hash
    assert client.get("/api/v1/integrity/proofs/inclusion/?index=0").status_code == 200
    for url in ("/api/v1/integrity/checkpoints/", "/api/v1/integrity/proofs/inclusion/"):
        assert client.post(url, {}).status_code == 405
    # what a signed-in user takes away is not public: it records who holds it
    assert client.get(f"/integrity/checkpoints/{checkpoint.pk}/download/").status_code == 302


@pytest.mark.django_db
def test_static_files_are_served_anonymously(live_server):
    from urllib.request import urlopen

    with urlopen(f"{live_server.url}/static/vendor/bootstrap/css/bootstrap.min.css") as resp:
        assert resp.status == 200
        assert b"Bootstrap" in resp.read(400)
