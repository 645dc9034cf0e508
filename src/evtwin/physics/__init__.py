"""Physics shared by the engine and the models: the global model constants and their reader.

Public names: :class:`ModelConstants`, :func:`default_constants` and
:func:`read_number_table` (the one reader of every ``constants.toml`` file).
"""

from __future__ import annotations

from evtwin.physics.constants import ModelConstants, default_constants, read_number_table

__all__ = ["ModelConstants", "default_constants", "read_number_table"]
