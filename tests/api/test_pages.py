"""Charts, the OpenAPI docs and the first page of the central screen."""

from __future__ import annotations

from fastapi.testclient import TestClient

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_range_plot_is_the_cli_chart_as_png(client: TestClient) -> None:
    r = client.get("/api/v1/range/defender-sport/plot.png", params={"hvac_w": 1500})
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content.startswith(PNG_MAGIC)


def test_cost_plot_is_the_cli_chart_as_png(client: TestClient) -> None:
    r = client.get("/api/v1/cost/defender-sport/plot.png", params={"vs": "bmw-ix1-edrive20"})
    assert r.status_code == 200
    assert r.content.startswith(PNG_MAGIC)


def test_openapi_docs_list_every_endpoint(client: TestClient) -> None:
    assert client.get("/api/docs").status_code == 200
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/v1/health",
        "/api/v1/vehicles",
        "/api/v1/range",
        "/api/v1/range/{vehicle}",
        "/api/v1/range/{vehicle}/plot.png",
        "/api/v1/cost/{vehicle}",
        "/api/v1/cost/{vehicle}/plot.png",
        "/api/v1/charge/{vehicle}",
    } <= paths.keys()
    cost_params = {p["name"] for p in paths["/api/v1/cost/{vehicle}"]["get"]["parameters"]}
    assert {"vs", "registered", "years", "miles_per_year", "home_share", "price_gbp"} <= cost_params


def test_first_page_shows_estimates_and_attributions_from_the_api(client: TestClient) -> None:
    r = client.get("/report")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "ESTIMATE" in page and "Data and attributions" in page
    assert "/api/v1/range" in page and "/api/v1/cost/defender-sport?rivals=true" in page
    assert "<script src=" not in page  # no framework, nothing fetched from elsewhere


def test_first_page_has_a_charging_card_read_from_the_charge_endpoint(client: TestClient) -> None:
    page = client.get("/report").text
    assert 'id="charge"' in page and "/api/v1/charge/defender-sport?" in page
    for q in ("charger_kw=350&battery_temp_c=0&precondition=true", "ac_kw=7.4"):
        assert q in page
        r = client.get("/api/v1/charge/defender-sport?" + q)
        assert r.status_code == 200 and r.json()["profile"] == "estimate"
