"""erlen: Flask's API, without Flask's per-request cost.

Names are imported on first use, so ``import erlen`` itself costs almost nothing;
``from erlen import Erlen`` loads what the app needs. Importing erlen also makes
``import flask`` give erlen (see ``erlen._flask_alias``), so Flask's extensions work.
"""

from __future__ import annotations

import typing as t

from ._internal import lazy_exports

if t.TYPE_CHECKING:
    from . import json as json
    from ._flask_alias import install_flask_alias as install_flask_alias
    from ._flask_alias import uninstall_flask_alias as uninstall_flask_alias
    from .app import Erlen as Erlen
    from .app import Flask as Flask
    from .blueprints import Blueprint as Blueprint
    from .config import Config as Config
    from .ctx import after_this_request as after_this_request
    from .ctx import copy_current_request_context as copy_current_request_context
    from .ctx import has_app_context as has_app_context
    from .ctx import has_request_context as has_request_context
    from .globals import current_app as current_app
    from .globals import g as g
    from .globals import request as request
    from .globals import session as session
    from .globals import websocket as websocket
    from .helpers import abort as abort
    from .helpers import flash as flash
    from .helpers import get_flashed_messages as get_flashed_messages
    from .helpers import get_template_attribute as get_template_attribute
    from .helpers import make_response as make_response
    from .helpers import redirect as redirect
    from .helpers import send_file as send_file
    from .helpers import send_from_directory as send_from_directory
    from .helpers import stream_with_context as stream_with_context
    from .helpers import url_for as url_for
    from .json import jsonify as jsonify
    from .signals import appcontext_popped as appcontext_popped
    from .signals import appcontext_pushed as appcontext_pushed
    from .signals import appcontext_tearing_down as appcontext_tearing_down
    from .signals import before_render_template as before_render_template
    from .signals import got_request_exception as got_request_exception
    from .signals import message_flashed as message_flashed
    from .signals import request_finished as request_finished
    from .signals import request_started as request_started
    from .signals import request_tearing_down as request_tearing_down
    from .signals import template_rendered as template_rendered
    from .templating import render_template as render_template
    from .templating import render_template_string as render_template_string
    from .templating import stream_template as stream_template
    from .templating import stream_template_string as stream_template_string
    from .websockets import WebsocketDisconnect as WebsocketDisconnect
    from .websockets import has_websocket_context as has_websocket_context
    from .wrappers import Request as Request
    from .wrappers import Response as Response

#: name -> (module, attribute) for everything ``erlen`` exports.
_EXPORTS: dict[str, tuple[str, str]] = {
    "json": ("erlen.json", ""),
    "Erlen": ("erlen.app", "Erlen"),
    "Blueprint": ("erlen.blueprints", "Blueprint"),
    "Config": ("erlen.config", "Config"),
    "after_this_request": ("erlen.ctx", "after_this_request"),
    "copy_current_request_context": ("erlen.ctx", "copy_current_request_context"),
    "has_app_context": ("erlen.ctx", "has_app_context"),
    "has_request_context": ("erlen.ctx", "has_request_context"),
    "current_app": ("erlen.globals", "current_app"),
    "g": ("erlen.globals", "g"),
    "request": ("erlen.globals", "request"),
    "session": ("erlen.globals", "session"),
    "websocket": ("erlen.globals", "websocket"),
    "has_websocket_context": ("erlen.websockets", "has_websocket_context"),
    "WebsocketDisconnect": ("erlen.websockets", "WebsocketDisconnect"),
    "abort": ("erlen.helpers", "abort"),
    "flash": ("erlen.helpers", "flash"),
    "get_flashed_messages": ("erlen.helpers", "get_flashed_messages"),
    "get_template_attribute": ("erlen.helpers", "get_template_attribute"),
    "make_response": ("erlen.helpers", "make_response"),
    "redirect": ("erlen.helpers", "redirect"),
    "send_file": ("erlen.helpers", "send_file"),
    "send_from_directory": ("erlen.helpers", "send_from_directory"),
    "stream_with_context": ("erlen.helpers", "stream_with_context"),
    "url_for": ("erlen.helpers", "url_for"),
    "jsonify": ("erlen.json", "jsonify"),
    "appcontext_popped": ("erlen.signals", "appcontext_popped"),
    "appcontext_pushed": ("erlen.signals", "appcontext_pushed"),
    "appcontext_tearing_down": ("erlen.signals", "appcontext_tearing_down"),
    "before_render_template": ("erlen.signals", "before_render_template"),
    "got_request_exception": ("erlen.signals", "got_request_exception"),
    "message_flashed": ("erlen.signals", "message_flashed"),
    "request_finished": ("erlen.signals", "request_finished"),
    "request_started": ("erlen.signals", "request_started"),
    "request_tearing_down": ("erlen.signals", "request_tearing_down"),
    "template_rendered": ("erlen.signals", "template_rendered"),
    "render_template": ("erlen.templating", "render_template"),
    "render_template_string": ("erlen.templating", "render_template_string"),
    "stream_template": ("erlen.templating", "stream_template"),
    "stream_template_string": ("erlen.templating", "stream_template_string"),
    "Request": ("erlen.wrappers", "Request"),
    "Response": ("erlen.wrappers", "Response"),
    "Flask": ("erlen.app", "Flask"),
    "install_flask_alias": ("erlen._flask_alias", "install_flask_alias"),
    "uninstall_flask_alias": ("erlen._flask_alias", "uninstall_flask_alias"),
}

__version__ = "0.1.0"
__all__ = sorted(_EXPORTS)

# Submodules become attributes of this package when imported (``erlen.globals``
# shadows the builtin), so the helper keeps a handle on the namespace itself.
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

# ``flask`` and ``flask.<sub>`` mean erlen from now on, so Flask's extensions run on
# erlen's contexts (ERLEN_FLASK_ALIAS=0 turns this off; see erlen._flask_alias).
from ._flask_alias import install_flask_alias as _install_flask_alias  # noqa: E402

_install_flask_alias()
