"""Flask-Babel on erlen, used as its documentation shows.

Flask-Babel keeps its configuration in ``app.extensions``, its per-request state in
``g``, installs gettext and format filters into ``app.jinja_env``, and finds
translations relative to ``app.root_path``.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import g, render_template_string, request, session
from flask_babel import (
    Babel,
    _,
    force_locale,
    format_currency,
    format_datetime,
    format_decimal,
    get_locale,
    get_timezone,
    gettext,
    lazy_gettext,
    ngettext,
    refresh,
)


@pytest.fixture
def translations(tmp_path: Path) -> Path:
    """A ``translations`` folder with German messages, compiled as ``pybabel`` would."""
    catalog = Catalog(locale="de")
    catalog.add("Hello", "Hallo")
    catalog.add("Hello %(name)s", "Hallo %(name)s")
    catalog.add(("%(num)d apple", "%(num)d apples"), ("%(num)d Apfel", "%(num)d Äpfel"))
    folder = tmp_path / "translations" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return tmp_path / "translations"


def create_app(translations: Path) -> erlen.Erlen:
    app = erlen.Erlen(__name__)
    app.secret_key = "babel secret"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)

    def select_locale() -> str | None:
        if "lang" in request.args:
            return request.args["lang"]
        if "lang" in session:
            return str(session["lang"])
        return request.accept_languages.best_match(["de", "en", "fr"])

    def select_timezone() -> str | None:
        return request.args.get("tz")

    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.route("/")
    def index() -> str:
        return gettext("Hello %(name)s", name="Ada")

    @app.route("/apples/<int:n>")
    def apples(n: int) -> str:
        return ngettext("%(num)d apple", "%(num)d apples", n)

    @app.route("/page")
    def page() -> str:
        return render_template_string(
            "{{ _('Hello') }}|{{ ngettext('%(num)d apple', '%(num)d apples', 2) }}"
            "|{{ 1234.5|decimalformat }}|{{ when|datetimeformat('short') }}",
            when=datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc),
        )

    @app.route("/remember/<lang>")
    def remember(lang: str) -> str:
        session["lang"] = lang
        refresh()
        return gettext("Hello")

    @app.route("/when")
    def when() -> str:
        return format_datetime(datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc), "HH:mm zzzz")

    return app


def test_views_translate_for_the_selected_locale(translations: Path) -> None:
    client = create_app(translations).test_client()
    assert client.get("/?lang=de").data == b"Hallo Ada"
    assert client.get("/?lang=en").data == b"Hello Ada"
    assert client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).data == b"Hallo Ada"
    assert client.get("/apples/1?lang=de").data == b"1 Apfel"
    assert client.get("/apples/3?lang=de").data == "3 Äpfel".encode()
    assert client.get("/apples/3?lang=en").data == b"3 apples"


def test_templates_get_gettext_and_format_filters(translations: Path) -> None:
    client = create_app(translations).test_client()
    german = client.get("/page?lang=de&tz=Europe/Berlin").get_data(as_text=True)
    assert german == "Hallo|2 Äpfel|1.234,5|01.03.24, 13:30"
    english = client.get("/page?lang=en").get_data(as_text=True)
    assert english == "Hello|2 apples|1,234.5|3/1/24, 12:30\u202fPM"


def test_the_selection_is_cached_per_request_until_refresh(translations: Path) -> None:
    client = create_app(translations).test_client()
    assert client.get("/remember/de").data == b"Hallo"
    # Stored in the session, so the next request selects German without ?lang.
    assert client.get("/").data == b"Hallo Ada"


def test_timezone_selection_and_defaults(translations: Path) -> None:
    app = create_app(translations)
    client = app.test_client()
    assert client.get("/when").data == b"12:30 Coordinated Universal Time"
    assert client.get("/when?tz=Europe/Berlin").data == b"13:30 Central European Standard Time"

    with app.test_request_context("/?tz=Asia/Tokyo&lang=fr"):
        assert str(get_locale()) == "fr"
        assert str(get_timezone()) == "Asia/Tokyo"
        assert format_decimal(Decimal("1234.5")) == "1\u202f234,5"
        assert format_currency(12, "EUR") == "12,00\xa0€"
        # Cached on g for the rest of the request.
        assert "_flask_babel" in g


def test_force_locale_and_lazy_strings(translations: Path) -> None:
    app = create_app(translations)
    greeting = lazy_gettext("Hello")
    with app.test_request_context("/?lang=en"):
        assert str(greeting) == "Hello"
        with force_locale("de"):
            assert str(get_locale()) == "de"
            assert str(greeting) == "Hallo"
            assert _("Hello") == "Hallo"
        assert str(greeting) == "Hello"


def test_outside_a_request_the_defaults_apply(translations: Path) -> None:
    app = erlen.Erlen(__name__)
    app.config.update(
        BABEL_DEFAULT_LOCALE="de",
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        BABEL_TRANSLATION_DIRECTORIES=str(translations),
    )
    babel = Babel()
    babel.init_app(app)
    assert app.extensions["babel"].default_locale == "de"
    with app.app_context():
        assert str(get_locale()) == "de"
        assert str(get_timezone()) == "Europe/Paris"
        assert gettext("Hello") == "Hallo"
        assert [str(locale) for locale in babel.list_translations()] == ["de"]
    assert "gettext" in app.jinja_env.globals
    assert "datetimeformat" in app.jinja_env.filters


def test_two_apps_keep_their_own_settings(translations: Path) -> None:
    first = erlen.Erlen(__name__)
    second = erlen.Erlen(__name__)
    babel = Babel()
    first.config["BABEL_DEFAULT_LOCALE"] = "fr"
    babel.init_app(first)
    babel.init_app(second, default_locale="de")
    with first.app_context():
        assert str(get_locale()) == "fr"
    with second.app_context():
        assert str(get_locale()) == "de"
