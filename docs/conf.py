"""Sphinx configuration of erlen's documentation (``make docs``).

Pages are MyST Markdown; the API reference is autodoc over the installed ``erlen``
package. ``make test`` builds with warnings as errors, so a broken reference fails.
"""

from __future__ import annotations

import os
import sys

# The checkout's own source, whether or not erlen is installed in the building venv.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "src")))
# The docs never need Flask's extensions, and erlen's import alias must not hand
# Sphinx a ``flask`` it did not ask for.
os.environ.setdefault("ERLEN_FLASK_ALIAS", "0")

import erlen

project = "erlen"
author = "the erlen authors"
copyright = "the erlen authors"
release = erlen.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"

myst_enable_extensions = ["colon_fence", "deflist"]
# ``[text](page.md#a-heading)`` links to headings down to the third level.
myst_heading_anchors = 3

# Documented members only; no "Bases:" line (the bases are erlen's internals).
autodoc_default_options = {"members": True}
autodoc_member_order = "bysource"
# Signatures stay readable; the types are in the source and for type checkers.
autodoc_typehints = "none"
autodoc_preserve_defaults = True

nitpicky = False

html_theme = "furo"
html_title = f"erlen {release}"
html_static_path: list[str] = []
pygments_style = "friendly"
