"""The API docs page (Swagger UI) with its assets served by evtwin itself.

FastAPI's default ``/docs`` page loads swagger-ui's JavaScript and CSS from a CDN, so it is
blank offline (a laptop in a car park, CI without internet). The same swagger-ui release is
shipped by PyPI ``swagger-ui-bundle`` (Apache-2.0); its files are mounted under
``{docs_url}/assets`` and the page points there.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["install_local_docs", "swagger_ui_dir"]


def swagger_ui_dir() -> Path:
    """The folder of the bundled swagger-ui release (``swagger-ui-bundle.js``, ``.css``)."""
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


def install_local_docs(app: FastAPI, *, docs_url: str, openapi_url: str) -> None:
    """Serve the Swagger UI page at ``docs_url``, its assets from the package, no CDN."""
    assets = f"{docs_url}/assets"
    app.mount(assets, StaticFiles(directory=swagger_ui_dir()), name="swagger-ui-assets")

    @app.get(docs_url, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - docs",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )
