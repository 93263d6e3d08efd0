"""``Blueprint``, importable where Flask has it."""

from __future__ import annotations

import typing as t

from .sansio.blueprints import Blueprint as Blueprint
from .sansio.blueprints import BlueprintSetupState as BlueprintSetupState

# (Flask's Blueprint subclasses its sans-IO one; erlen's is one class, both at once.)
if not t.TYPE_CHECKING:  # ``flask.blueprints``'s run-time names; see flask_module_names
    from ._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "AppGroup": ("erlen.cli", "AppGroup"),
            "SansioBlueprint": ("erlen.sansio.blueprints", "Blueprint"),
            "_sentinel": ("erlen.sansio.blueprints", "_sentinel"),
            "current_app": ("erlen.globals", "current_app"),
            "os": ("os", ""),
            "send_from_directory": ("erlen.helpers", "send_from_directory"),
            "timedelta": ("datetime", "timedelta"),
        },
    )
