import re

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/accounts/{id}/" in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/accounts/{id}/"]["patch"]["responses"]


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_api_docs_use_no_cdn(url, client):
    html = client.get(url).content.decode()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []
    assert "/static/drf_spectacular_sidecar/" in html


def test_token_auth(api_client, world):
    world.users["agent"].set_password("s3cret-pass")
    world.users["agent"].save()
    token = api_client.post("/api/v1/auth/token/", {"username": "agent_alice", "password": "s3cret-pass"}).data["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/users/me/").data["roles"] == ["agent"]


def test_bad_token_credentials_are_400_with_reason(api_client, world):
    response = api_client.post("/api/v1/auth/token/", {"username": "agent_alice", "password": "nope"})
    assert response.status_code == 400 and response.data["code"] == "invalid"


def test_schema_generates_valid_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")
