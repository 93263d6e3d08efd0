"""``Blueprint``, importable where Flask has it."""

from __future__ import annotations

import typing as t

from .sansio.blueprints import Blueprint as Blueprint
from .sansio.blueprints import BlueprintSetupState as BlueprintSetupState

# Flask's ``flask.blueprints`` has these names at run time (mostly its own imports),
# and code written for Flask imports them from it: here they are the same objects,
# or erlen's own. Each is imported on first access: this module loads nothing more.
# (Flask's Blueprint subclasses its sans-IO one; erlen's is one class, both at once.)
if not t.TYPE_CHECKING:  # mypy would otherwise take any unknown name here for Any
    from ._internal import lazy_exports as _lazy_exports

    __getattr__, __dir__ = _lazy_exports(
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
