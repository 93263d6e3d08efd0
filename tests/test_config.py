"""Tests for erlen.config: Config loaders and the ConfigAttribute descriptor."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from erlen.config import Config, ConfigAttribute


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop inherited prefixed variables so env tests see only what they set."""
    for name in list(os.environ):
        if name.startswith(("FLASK_", "ERLEN_", "MYAPP_")):
            monkeypatch.delenv(name)


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


# --- construction -----------------------------------------------------------


def test_config_is_a_dict_seeded_with_defaults(tmp_path: Path) -> None:
    config = Config(tmp_path, {"DEBUG": False})
    assert isinstance(config, dict)
    assert config == {"DEBUG": False}


def test_config_without_defaults_is_empty(tmp_path: Path) -> None:
    assert Config(tmp_path) == {}


def test_config_keeps_root_path(tmp_path: Path) -> None:
    assert Config(tmp_path).root_path == tmp_path
    assert Config(str(tmp_path)).root_path == str(tmp_path)


def test_config_repr_shows_class_and_contents(tmp_path: Path) -> None:
    assert repr(Config(tmp_path, {"A": 1})) == "<Config {'A': 1}>"


def test_config_subclass_repr_uses_subclass_name(tmp_path: Path) -> None:
    class MyConfig(Config):
        pass

    assert repr(MyConfig(tmp_path)) == "<MyConfig {}>"


# --- from_mapping -----------------------------------------------------------


def test_from_mapping_loads_uppercase_keys_only(tmp_path: Path) -> None:
    config = Config(tmp_path)
    assert config.from_mapping({"SECRET_KEY": "s", "lower": 1, "Mixed": 2}) is True
    assert config == {"SECRET_KEY": "s"}


def test_from_mapping_accepts_keyword_arguments(tmp_path: Path) -> None:
    config = Config(tmp_path)
    config.from_mapping(DEBUG=True, other=1)
    assert config == {"DEBUG": True}


def test_from_mapping_keywords_override_mapping(tmp_path: Path) -> None:
    config = Config(tmp_path)
    config.from_mapping({"A": 1, "B": 2}, B=3)
    assert config == {"A": 1, "B": 3}


def test_from_mapping_with_nothing_returns_true(tmp_path: Path) -> None:
    config = Config(tmp_path, {"A": 1})
    assert config.from_mapping() is True
    assert config == {"A": 1}


def test_from_mapping_overwrites_existing_values(tmp_path: Path) -> None:
    config = Config(tmp_path, {"A": 1})
    config.from_mapping({"A": 2})
    assert config["A"] == 2


# --- from_object ------------------------------------------------------------


def test_from_object_copies_uppercase_class_attributes(tmp_path: Path) -> None:
    class Settings:
        DEBUG = True
        SECRET_KEY = "dev"
        helper = "ignored"
        Mixed = "ignored"

    config = Config(tmp_path)
    config.from_object(Settings)
    assert config == {"DEBUG": True, "SECRET_KEY": "dev"}


def test_from_object_includes_inherited_attributes(tmp_path: Path) -> None:
    class Base:
        DEBUG = False
        NAME = "base"

    class Dev(Base):
        DEBUG = True

    config = Config(tmp_path)
    config.from_object(Dev())
    assert config == {"DEBUG": True, "NAME": "base"}


def test_from_object_imports_module_from_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "erlen_test_settings.py", "PORT = 8080\nhost = 'ignored'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "erlen_test_settings", raising=False)
    config = Config(tmp_path)
    config.from_object("erlen_test_settings")
    assert config == {"PORT": 8080}


def test_from_object_imports_attribute_from_dotted_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path / "erlen_test_classes.py",
        """
        class Production:
            DEBUG = False
            DATABASE = "postgres://"
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "erlen_test_classes", raising=False)
    config = Config(tmp_path)
    config.from_object("erlen_test_classes.Production")
    assert config == {"DEBUG": False, "DATABASE": "postgres://"}


def test_from_object_bad_import_string_raises(tmp_path: Path) -> None:
    with pytest.raises(ImportError):
        Config(tmp_path).from_object("erlen_no_such_module_xyz")


# --- from_pyfile ------------------------------------------------------------


def test_from_pyfile_loads_uppercase_globals(tmp_path: Path) -> None:
    write(
        tmp_path / "settings.py",
        """
        import os
        DEBUG = True
        SECRET_KEY = "abc"
        lowercase = 1
        """,
    )
    config = Config(tmp_path)
    assert config.from_pyfile("settings.py") is True
    assert config == {"DEBUG": True, "SECRET_KEY": "abc"}


def test_from_pyfile_resolves_relative_to_root_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    root.mkdir()
    write(root / "settings.py", "WHERE = 'root'\n")
    monkeypatch.chdir(tmp_path)
    config = Config(root)
    config.from_pyfile("settings.py")
    assert config["WHERE"] == "root"


def test_from_pyfile_accepts_absolute_path(tmp_path: Path) -> None:
    path = write(tmp_path / "abs.py", "X = 1\n")
    config = Config("/somewhere/else")
    config.from_pyfile(str(path))
    assert config["X"] == 1


def test_from_pyfile_runs_as_module_named_config_with_file(tmp_path: Path) -> None:
    write(tmp_path / "settings.py", "FILE = __file__\nNAME = __name__\n")
    config = Config(tmp_path)
    config.from_pyfile("settings.py")
    assert config["FILE"] == os.path.join(tmp_path, "settings.py")
    assert config["NAME"] == "config"


def test_from_pyfile_missing_file_error_names_file(tmp_path: Path) -> None:
    config = Config(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        config.from_pyfile("missing.py")
    message = str(info.value)
    assert "Unable to load configuration file" in message
    assert "missing.py" in message
    assert info.value.filename == os.path.join(tmp_path, "missing.py")


def test_from_pyfile_missing_file_silent_returns_false(tmp_path: Path) -> None:
    config = Config(tmp_path)
    assert config.from_pyfile("missing.py", silent=True) is False
    assert config == {}


def test_from_pyfile_directory_silent_returns_false(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    assert Config(tmp_path).from_pyfile("adir", silent=True) is False


def test_from_pyfile_path_through_file_silent_returns_false(tmp_path: Path) -> None:
    write(tmp_path / "plain.txt", "x")
    assert Config(tmp_path).from_pyfile("plain.txt/settings.py", silent=True) is False


def test_from_pyfile_directory_not_silent_raises_with_message(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    with pytest.raises(IsADirectoryError, match="Unable to load configuration file"):
        Config(tmp_path).from_pyfile("adir")


def test_from_pyfile_unreadable_file_raises_even_when_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "locked.py", "X = 1\n")
    path.chmod(0)
    if os.geteuid() == 0:
        # Root reads any file, so refuse this one the way the kernel would for others.
        real_open = open

        def refusing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
            if os.fspath(file) == str(path):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr("builtins.open", refusing_open)
    try:
        with pytest.raises(PermissionError, match="Unable to load configuration file"):
            Config(tmp_path).from_pyfile("locked.py", silent=True)
    finally:
        path.chmod(0o644)


def test_from_pyfile_syntax_error_propagates_with_file_location(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "X = (\n")
    with pytest.raises(SyntaxError) as info:
        Config(tmp_path).from_pyfile("broken.py", silent=True)
    assert info.value.filename == os.path.join(tmp_path, "broken.py")


def test_from_pyfile_runtime_error_in_file_propagates_unchanged(tmp_path: Path) -> None:
    write(tmp_path / "raises.py", "raise ValueError('bad setting')\n")
    with pytest.raises(ValueError, match=r"^bad setting$"):
        Config(tmp_path).from_pyfile("raises.py", silent=True)


def test_from_pyfile_oserror_raised_by_file_code_propagates_unchanged(tmp_path: Path) -> None:
    write(tmp_path / "reads.py", "open('does-not-exist.secret')\n")
    with pytest.raises(FileNotFoundError) as info:
        Config(tmp_path).from_pyfile("reads.py", silent=True)
    assert "Unable to load configuration file" not in str(info.value)


# --- from_envvar ------------------------------------------------------------


def test_from_envvar_loads_file_named_by_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "env_settings.py", "FROM_ENV = 'yes'\n")
    monkeypatch.setenv("ERLEN_TEST_SETTINGS", str(path))
    config = Config(tmp_path)
    assert config.from_envvar("ERLEN_TEST_SETTINGS") is True
    assert config == {"FROM_ENV": "yes"}


def test_from_envvar_unset_error_names_variable_and_asks_to_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ERLEN_TEST_UNSET", raising=False)
    with pytest.raises(RuntimeError) as info:
        Config(tmp_path).from_envvar("ERLEN_TEST_UNSET")
    message = str(info.value)
    assert "'ERLEN_TEST_UNSET'" in message
    assert "Set this variable" in message


def test_from_envvar_unset_silent_returns_false(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ERLEN_TEST_UNSET", raising=False)
    assert Config(tmp_path).from_envvar("ERLEN_TEST_UNSET", silent=True) is False


def test_from_envvar_empty_value_counts_as_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_TEST_EMPTY", "")
    with pytest.raises(RuntimeError, match="ERLEN_TEST_EMPTY"):
        Config(tmp_path).from_envvar("ERLEN_TEST_EMPTY")


def test_from_envvar_missing_file_error_names_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_TEST_SETTINGS", "nowhere.py")
    with pytest.raises(FileNotFoundError, match=r"Unable to load configuration file.*nowhere\.py"):
        Config(tmp_path).from_envvar("ERLEN_TEST_SETTINGS")


def test_from_envvar_silent_also_ignores_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_TEST_SETTINGS", "nowhere.py")
    assert Config(tmp_path).from_envvar("ERLEN_TEST_SETTINGS", silent=True) is False


# --- from_prefixed_env ------------------------------------------------------


def test_from_prefixed_env_strips_prefix_and_returns_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_SECRET_KEY", "shh")
    monkeypatch.setenv("OTHER_SETTING", "ignored")
    config = Config(tmp_path)
    assert config.from_prefixed_env() is True
    assert config == {"SECRET_KEY": "shh"}


def test_from_prefixed_env_parses_json_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_INT", "42")
    monkeypatch.setenv("ERLEN_FLOAT", "1.5")
    monkeypatch.setenv("ERLEN_BOOL", "true")
    monkeypatch.setenv("ERLEN_NULL", "null")
    monkeypatch.setenv("ERLEN_LIST", "[1, 2]")
    monkeypatch.setenv("ERLEN_OBJ", '{"a": 1}')
    monkeypatch.setenv("ERLEN_QUOTED", '"text"')
    config = Config(tmp_path)
    config.from_prefixed_env()
    assert config == {
        "INT": 42,
        "FLOAT": 1.5,
        "BOOL": True,
        "NULL": None,
        "LIST": [1, 2],
        "OBJ": {"a": 1},
        "QUOTED": "text",
    }


def test_from_prefixed_env_keeps_unparseable_value_as_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_NAME", "not json {")
    config = Config(tmp_path)
    config.from_prefixed_env()
    assert config["NAME"] == "not json {"


def test_from_prefixed_env_custom_loads_with_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def loads(value: str) -> Any:
        if value.startswith("!"):
            raise ValueError(value)
        return value.upper()

    monkeypatch.setenv("ERLEN_A", "abc")
    monkeypatch.setenv("ERLEN_B", "!raw")
    config = Config(tmp_path)
    config.from_prefixed_env(loads=loads)
    assert config == {"A": "ABC", "B": "!raw"}


def test_from_prefixed_env_custom_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPP_PORT", "5000")
    monkeypatch.setenv("ERLEN_IGNORED", "1")
    monkeypatch.setenv("FLASK_IGNORED_TOO", "1")
    monkeypatch.setenv("MYAPPNOUNDERSCORE", "1")
    config = Config(tmp_path)
    config.from_prefixed_env("MYAPP")
    assert config == {"PORT": 5000}


def test_from_prefixed_env_explicit_flask_prefix_ignores_erlen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_A", "1")
    monkeypatch.setenv("ERLEN_B", "2")
    config = Config(tmp_path)
    config.from_prefixed_env("FLASK")
    assert config == {"A": 1}


def test_from_prefixed_env_default_also_reads_flask_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_FROM_FLASK", "1")
    monkeypatch.setenv("ERLEN_FROM_ERLEN", "2")
    config = Config(tmp_path)
    config.from_prefixed_env()
    assert config == {"FROM_FLASK": 1, "FROM_ERLEN": 2}


def test_from_prefixed_env_erlen_beats_flask_for_same_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_SECRET_KEY", "flask")
    monkeypatch.setenv("ERLEN_SECRET_KEY", "erlen")
    monkeypatch.setenv("FLASK_DB__HOST", "flask-host")
    monkeypatch.setenv("ERLEN_DB__HOST", "erlen-host")
    config = Config(tmp_path)
    config.from_prefixed_env()
    assert config == {"SECRET_KEY": "erlen", "DB": {"HOST": "erlen-host"}}


def test_from_prefixed_env_double_underscore_sets_nested_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_DB__HOST", "localhost")
    monkeypatch.setenv("ERLEN_DB__PORT", "5432")
    monkeypatch.setenv("ERLEN_A__B__C", "[1]")
    config = Config(tmp_path)
    config.from_prefixed_env()
    assert config == {"DB": {"HOST": "localhost", "PORT": 5432}, "A": {"B": {"C": [1]}}}


def test_from_prefixed_env_nested_keeps_existing_dict_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_DB__HOST", "remote")
    config = Config(tmp_path, {"DB": {"HOST": "local", "NAME": "app"}})
    config.from_prefixed_env()
    assert config == {"DB": {"HOST": "remote", "NAME": "app"}}


def test_from_prefixed_env_nested_flask_and_erlen_keys_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_DB__HOST", "h")
    monkeypatch.setenv("ERLEN_DB__PORT", "1")
    config = Config(tmp_path)
    config.from_prefixed_env()
    assert config == {"DB": {"HOST": "h", "PORT": 1}}


def test_from_prefixed_env_applies_keys_in_sorted_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "DB" sorts before "DB__HOST", so the JSON dict is set first and then extended.
    monkeypatch.setenv("ERLEN_DB__HOST", "h")
    monkeypatch.setenv("ERLEN_DB", '{"NAME": "n"}')
    config = Config(tmp_path)
    config.from_prefixed_env()
    assert config == {"DB": {"NAME": "n", "HOST": "h"}}


def test_from_prefixed_env_nesting_into_non_dict_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_PORT__X", "1")
    config = Config(tmp_path, {"PORT": 80})
    with pytest.raises(TypeError):
        config.from_prefixed_env()


# --- from_file --------------------------------------------------------------


def test_from_file_with_json_load(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"DEBUG": True, "lower": 1}))
    config = Config(tmp_path)
    assert config.from_file("config.json", load=json.load) is True
    assert config == {"DEBUG": True}


def test_from_file_text_mode_passes_text_file(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("X")
    seen: list[object] = []

    def load(f: Any) -> dict[str, Any]:
        seen.append(f.read())
        return {}

    Config(tmp_path).from_file("c.txt", load)
    assert seen == ["X"]


def test_from_file_binary_mode_passes_binary_file(tmp_path: Path) -> None:
    (tmp_path / "c.bin").write_bytes(b"X")
    seen: list[object] = []

    def load(f: Any) -> dict[str, Any]:
        seen.append(f.read())
        return {}

    Config(tmp_path).from_file("c.bin", load, text=False)
    assert seen == [b"X"]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is new in Python 3.11")
def test_from_file_with_tomllib_in_binary_mode(tmp_path: Path) -> None:
    import tomllib

    write(
        tmp_path / "config.toml",
        """
        SECRET_KEY = "toml"
        PORT = 8000
        lower = "ignored"

        [DATABASE]
        HOST = "db"
        """,
    )
    config = Config(tmp_path)
    assert config.from_file("config.toml", load=tomllib.load, text=False) is True
    assert config == {"SECRET_KEY": "toml", "PORT": 8000, "DATABASE": {"HOST": "db"}}


def test_from_file_missing_file_error_names_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        Config(tmp_path).from_file("missing.json", json.load)
    assert "Unable to load configuration file" in str(info.value)
    assert "missing.json" in str(info.value)


def test_from_file_missing_file_silent_returns_false(tmp_path: Path) -> None:
    config = Config(tmp_path)
    assert config.from_file("missing.json", json.load, silent=True) is False
    assert config == {}


def test_from_file_loader_error_propagates(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(json.JSONDecodeError):
        Config(tmp_path).from_file("bad.json", json.load, silent=True)


# --- get_namespace ----------------------------------------------------------


@pytest.fixture
def namespaced(tmp_path: Path) -> Config:
    return Config(
        tmp_path,
        {"IMAGE_STORE_TYPE": "fs", "IMAGE_STORE_PATH": "/img", "IMAGE_OTHER": 1, "DEBUG": True},
    )


def test_get_namespace_trims_and_lowercases_by_default(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_") == {"type": "fs", "path": "/img"}


def test_get_namespace_without_lowercase(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_", lowercase=False) == {
        "TYPE": "fs",
        "PATH": "/img",
    }


def test_get_namespace_without_trimming(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_", trim_namespace=False) == {
        "image_store_type": "fs",
        "image_store_path": "/img",
    }


def test_get_namespace_keeping_keys_unchanged(namespaced: Config) -> None:
    result = namespaced.get_namespace("IMAGE_STORE_", lowercase=False, trim_namespace=False)
    assert result == {"IMAGE_STORE_TYPE": "fs", "IMAGE_STORE_PATH": "/img"}


def test_get_namespace_returns_new_dict(namespaced: Config) -> None:
    result = namespaced.get_namespace("IMAGE_")
    assert type(result) is dict
    result["extra"] = 1
    assert "extra" not in namespaced


def test_get_namespace_no_match_is_empty(namespaced: Config) -> None:
    assert namespaced.get_namespace("NOPE_") == {}


# --- ConfigAttribute --------------------------------------------------------


class Holder:
    """Minimal stand-in for an app: anything with a ``config`` mapping."""

    debug = ConfigAttribute[bool]("DEBUG")
    port = ConfigAttribute("PORT", get_converter=int)

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config


def test_config_attribute_reads_config_value() -> None:
    assert Holder({"DEBUG": True}).debug is True


def test_config_attribute_applies_converter_on_read() -> None:
    holder = Holder({"PORT": "8080"})
    assert holder.port == 8080
    assert holder.config["PORT"] == "8080"


def test_config_attribute_set_writes_config_without_converting() -> None:
    holder = Holder({})
    holder.debug = False
    holder.port = "9000"
    assert holder.config == {"DEBUG": False, "PORT": "9000"}
    assert holder.port == 9000


def test_config_attribute_tracks_config_changes() -> None:
    holder = Holder({"DEBUG": False})
    holder.config["DEBUG"] = True
    assert holder.debug is True


def test_config_attribute_on_class_returns_descriptor() -> None:
    descriptor = Holder.__dict__["port"]
    assert Holder.port is descriptor
    assert isinstance(descriptor, ConfigAttribute)
    assert descriptor.__name__ == "PORT"


def test_config_attribute_missing_key_raises_key_error() -> None:
    with pytest.raises(KeyError):
        _ = Holder({}).debug


def test_config_attribute_works_with_config_instance(tmp_path: Path) -> None:
    holder = Holder({})
    holder.config = Config(tmp_path, {"DEBUG": True})
    assert holder.debug is True
