"""Flask-Admin on erlen, used as its documentation shows.

Each admin view is a ``Blueprint`` (Flask-Admin's subclass, with its own
``BlueprintSetupState`` that adds ``host`` to every rule) with a static folder and a
template folder; views render Jinja templates that call ``url_for``,
``get_flashed_messages`` and read ``request``, and forms come from WTForms with
Flask-Babel's translations.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import re
import typing as t
from pathlib import Path

import pytest
from flask import flash, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.contrib.fileadmin import FileAdmin
from flask_admin.contrib.sqla import ModelView
from flask_admin.menu import MenuLink
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy


class ReportView(BaseView):
    @expose("/")
    def index(self) -> str:
        return self.render("admin/index.html")

    @expose("/run", methods=["GET", "POST"])
    def run(self) -> object:
        if request.method == "POST":
            flash(f"report {request.form['name']} queued", "success")
            return redirect(url_for(".index"))
        return f"run form at {url_for('.run')}"


def create_app(**admin_options: t.Any) -> tuple[erlen.Erlen, Admin, SQLAlchemy, t.Any]:
    app = erlen.Erlen(__name__)
    app.config.update(SECRET_KEY="admin secret", SQLALCHEMY_DATABASE_URI="sqlite://")
    Babel(app)
    db = SQLAlchemy(app)

    class Product(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(50), nullable=False)
        price = db.Column(db.Integer, default=0)

    class ProductView(ModelView):
        column_searchable_list = ["name"]
        column_filters = ["price"]
        can_export = True

        @action("discount", "Discount", "Discount the selected products?")
        def action_discount(self, ids: list[str]) -> None:
            for product in db.session.scalars(db.select(Product).where(Product.id.in_(ids))):
                product.price = product.price // 2
            db.session.commit()
            flash(f"{len(ids)} products discounted", "success")

    with app.app_context():
        db.create_all()
        db.session.add_all([Product(name="kettle", price=40), Product(name="teapot", price=30)])
        db.session.commit()

    admin = Admin(app, name="Shop admin", **admin_options)
    admin.add_view(ProductView(Product, db, category="Catalog"))
    admin.add_view(ReportView(name="Reports", endpoint="reports"))
    admin.add_link(MenuLink(name="Home page", url="/"))
    return app, admin, db, Product


def test_index_and_menu() -> None:
    app, _, _, _ = create_app()
    client = app.test_client()
    page = client.get("/admin/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<title>Home - Shop admin</title>" in html
    assert "Catalog" in html and "Reports" in html and "Home page" in html
    assert 'href="/admin/product/"' in html
    assert client.get("/admin/static/admin/js/helpers.js").status_code == 200


def test_model_list_search_filter_export_and_actions() -> None:
    app, _, db, product = create_app()
    client = app.test_client()

    listing = client.get("/admin/product/")
    assert listing.status_code == 200
    assert b"kettle" in listing.data and b"teapot" in listing.data

    search = client.get("/admin/product/?search=kett")
    assert b"kettle" in search.data and b"teapot" not in search.data

    filtered = client.get("/admin/product/?flt0_0=30")
    assert b"teapot" in filtered.data and b"kettle" not in filtered.data

    export = client.get("/admin/product/export/csv/")
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    assert export.data.splitlines()[0] == b"Name,Price"
    assert export.headers["Content-Disposition"].startswith("attachment;")

    done = client.post(
        "/admin/product/action/",
        data={"action": "discount", "rowid": ["1", "2"]},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert b"2 products discounted" in done.data
    with app.app_context():
        assert sorted(p.price for p in db.session.scalars(db.select(product))) == [15, 20]


def test_model_create_edit_delete_with_flashes() -> None:
    app, _, db, product = create_app()
    client = app.test_client()

    form = client.get("/admin/product/new/")
    assert form.status_code == 200
    assert b'name="name"' in form.data

    created = client.post(
        "/admin/product/new/", data={"name": "mug", "price": "5"}, follow_redirects=True
    )
    assert created.status_code == 200
    assert b"Record was successfully created." in created.data
    with app.app_context():
        mug = db.session.scalars(db.select(product).filter_by(name="mug")).one()
        mug_id = mug.id

    invalid = client.post("/admin/product/new/", data={"name": "", "price": "x"})
    assert invalid.status_code == 200
    assert b"This field is required." in invalid.data

    edited = client.post(
        f"/admin/product/edit/?id={mug_id}", data={"name": "big mug", "price": "7"}
    )
    assert edited.status_code == 302
    assert edited.headers["Location"].startswith("/admin/product/")

    deleted = client.post("/admin/product/delete/", data={"id": str(mug_id)}, follow_redirects=True)
    assert b"Record was successfully deleted." in deleted.data
    with app.app_context():
        assert db.session.get(product, mug_id) is None


def test_custom_views_use_relative_endpoints_and_flash() -> None:
    app, _, _, _ = create_app()
    client = app.test_client()
    assert client.get("/admin/reports/run").data == b"run form at /admin/reports/run"
    queued = client.post("/admin/reports/run", data={"name": "sales"}, follow_redirects=True)
    assert queued.status_code == 200
    assert b"report sales queued" in queued.data


def test_file_admin(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hello files")
    app = erlen.Erlen(__name__)
    app.secret_key = "s"
    Babel(app)
    admin = Admin(app)
    admin.add_view(FileAdmin(str(tmp_path), "/files/", name="Files"))
    client = app.test_client()

    listing = client.get("/admin/fileadmin/")
    assert b"readme.txt" in listing.data
    # With a base URL, downloads go to where the files are served.
    download = client.get("/admin/fileadmin/download/readme.txt")
    assert (download.status_code, download.headers["Location"]) == (302, "/files/readme.txt")

    made = client.post("/admin/fileadmin/mkdir/", data={"name": "docs"})
    assert made.status_code == 302
    assert (tmp_path / "docs").is_dir()
    client.post("/admin/fileadmin/delete/", data={"path": "readme.txt"})
    assert not (tmp_path / "readme.txt").exists()


def test_index_view_at_the_root_and_two_admins() -> None:
    class Dashboard(AdminIndexView):
        @expose("/")
        def index(self) -> str:
            return f"dashboard at {url_for('.index')}"

    app = erlen.Erlen(__name__)
    app.secret_key = "s"
    Babel(app)
    Admin(app, index_view=Dashboard(url="/"))
    assert app.test_client().get("/").data == b"dashboard at /"

    other = erlen.Erlen(__name__)
    other.secret_key = "s"
    Babel(other)
    first = Admin(name="first", url="/one", endpoint="one")
    second = Admin(name="second", url="/two", endpoint="two")
    first.init_app(other)
    second.init_app(other)
    client = other.test_client()
    assert b"first" in client.get("/one/").data
    assert b"second" in client.get("/two/").data
    assert other.extensions["admin"] == [first, second]


@pytest.mark.parametrize("host", ["admin.example.com", "*"])
def test_admin_on_its_own_host_with_host_matching(host: str) -> None:
    app = erlen.Erlen(__name__, host_matching=True, static_host="example.com")
    app.secret_key = "s"
    Babel(app)

    @app.route("/", host="example.com")
    def home() -> str:
        return "shop"

    admin = Admin(app, host=host)
    admin.add_view(ReportView(name="Reports", endpoint="reports"))
    client = app.test_client()

    page = client.get("/admin/reports/run", base_url="http://admin.example.com")
    assert page.data == b"run form at /admin/reports/run"
    index = client.get("/admin/", base_url="http://admin.example.com")
    assert index.status_code == 200
    assert re.search(rb'href="/admin/reports/"', index.data)
    on_main_host = client.get("/admin/", base_url="http://example.com")
    assert on_main_host.status_code == (200 if host == "*" else 404)
    assert client.get("/", base_url="http://example.com").data == b"shop"
