"""``Blueprint``, importable where Flask has it."""

from __future__ import annotations

from .sansio.blueprints import Blueprint as Blueprint
from .sansio.blueprints import BlueprintSetupState as BlueprintSetupState
