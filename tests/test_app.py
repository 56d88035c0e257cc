"""Application-wide behaviour: health, API docs served locally, security headers, error rendering."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.world import World


def test_healthz_checks_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_api_docs_use_vendored_assets_only(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_openapi_declares_error_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    get_customer = spec["paths"]["/api/customers/{customer_id}"]["get"]["responses"]
    assert {"200", "401", "403", "404"} <= set(get_customer)
    create = spec["paths"]["/api/customers"]["post"]["responses"]
    assert {"201", "409", "422"} <= set(create)


def test_pages_carry_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert "HttpOnly" in response.headers["set-cookie"]


def test_api_errors_are_json_with_a_stable_code(client: TestClient, world: World) -> None:
    response = client.get("/api/customers")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "a valid bearer token is required"}
    missing = client.get("/api/nowhere")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_web_errors_render_a_page(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "<html" in response.text
    assert "Not found" in response.text
