"""The OpenAPI schema and Swagger UI are served from local files, without inline scripts."""

import re

import pytest


@pytest.mark.django_db
def test_swagger_ui_uses_local_assets_and_no_inline_script(client_for, auditor):
    html = client_for(auditor).get("/api/v1/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip()
        src = re.search(r'src="([^"]+)"', attributes).group(1)
        assert src.startswith("/"), src  # served by us, not a CDN


@pytest.mark.django_db
def test_schema_is_openapi_3(client_for, auditor):
    response = client_for(auditor).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
