"""The API docs page loads every asset from evtwin itself: it works offline."""

from __future__ import annotations

import re

import httpx2

from evtwin.api import start_api_server


def test_docs_page_and_its_assets_are_served_locally() -> None:
    with start_api_server(port=0) as server:
        page = httpx2.get(f"{server.url}/api/docs", timeout=30)
        assert page.status_code == 200 and "swagger-ui" in page.text
        assert not re.findall(r"https?://", page.text), "the page names an outside host"
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
        assert any(a.endswith("swagger-ui.css") for a in assets)
        for url in assets:
            r = httpx2.get(f"{server.url}{url}", timeout=30)
            assert r.status_code == 200 and len(r.content) > 100, url
        spec = httpx2.get(f"{server.url}/api/openapi.json", timeout=30)
        assert spec.status_code == 200 and spec.json()["info"]["title"] == "evtwin API"
