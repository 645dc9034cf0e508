"""evtwin: an open, physics-based software twin of an electric car.

The public API is curated here; everything else lives in private-by-convention modules.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
