"""evtwin's HTTP API: the CLI's ``--json`` objects over versioned JSON endpoints.

``create_app()`` builds the FastAPI app (``/api/v1/...``, OpenAPI docs at ``/api/docs``);
``evtwin serve`` runs it in the foreground, :func:`start_api_server` on a background thread
(for ``evtwin up``). Errors answer ``{"error": {"type", "message"}}`` with 400/404/422.
See ``docs/api.md``. ``RangeParams`` and ``ChargeParams`` are deprecated names of
:class:`~evtwin.sim.request.RangeRequest` and :class:`~evtwin.charging.question.ChargeQuestion`.
"""

from evtwin.api._app import API_PREFIX, create_app
from evtwin.api._charge import ChargeParams, ChargeQuestion, charge_json
from evtwin.api._errors import error_body, status_for
from evtwin.api._reports import (
    CostParams,
    RangeParams,
    RangeRequest,
    cost_json,
    range_all_json,
    range_json,
    vehicles_json,
)
from evtwin.api._server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ApiServer,
    ApiServerError,
    is_loopback,
    serve_forever,
    start_api_server,
)

__all__ = [
    "API_PREFIX",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ApiServer",
    "ApiServerError",
    "ChargeParams",
    "ChargeQuestion",
    "CostParams",
    "RangeParams",
    "RangeRequest",
    "charge_json",
    "cost_json",
    "create_app",
    "error_body",
    "is_loopback",
    "range_all_json",
    "range_json",
    "serve_forever",
    "start_api_server",
    "status_for",
    "vehicles_json",
]
