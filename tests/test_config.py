"""Settings: flags over environment over dailypapers.toml, the secret key, clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dailypapers.config import load_settings, setting_fields, write_secret
from dailypapers.errors import ConfigError


def test_precedence_flags_then_environment_then_toml(tmp_path: Path) -> None:
    (tmp_path / "dailypapers.toml").write_text('base_url = "https://toml.example"\nport = 9000\n')
    env = {"DAILYPAPERS_DATA_DIR": str(tmp_path), "DAILYPAPERS_BASE_URL": "https://env.example"}
    settings = load_settings({}, env)
    assert settings.base_url == "https://env.example"
    assert settings.port == 9000
    settings = load_settings({"base_url": "https://flag.example"}, env)
    assert settings.base_url == "https://flag.example"


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({}, {})
    assert settings.data_dir == Path("dailypapers-data")
    assert settings.resolved_database_url == (
        f"sqlite:///{tmp_path / 'dailypapers-data' / 'dailypapers.sqlite3'}"
    )
    assert all(help_text for *_, help_text in setting_fields())


def test_bad_values_say_where(tmp_path: Path) -> None:
    (tmp_path / "dailypapers.toml").write_text("port = 'eighty'\n")
    with pytest.raises(ConfigError, match=r"dailypapers.toml: port must be"):
        load_settings({"data_dir": tmp_path}, {})
    (tmp_path / "dailypapers.toml").write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings({"data_dir": tmp_path}, {})
    (tmp_path / "dailypapers.toml").write_text("port = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"data_dir": tmp_path}, {})
    with pytest.raises(ConfigError, match="DAILYPAPERS_PORT"):
        load_settings({"data_dir": tmp_path / "other"}, {"DAILYPAPERS_PORT": "x"})


def test_secret_is_generated_private_and_required(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path}, {})
    with pytest.raises(ConfigError, match="dailypapers init"):
        settings.require_secret()
    written = write_secret(settings)
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert len(written.require_secret()) >= 40
    # A second init keeps the same secret; a fresh load reads it from the data dir.
    assert write_secret(settings).secret_key == written.secret_key
    assert load_settings({"data_dir": tmp_path}, {}).secret_key == written.secret_key
    for placeholder in ("change-me", "", "short"):
        env = {"DAILYPAPERS_SECRET_KEY": placeholder}
        with pytest.raises(ConfigError):
            load_settings({"data_dir": tmp_path / "x"}, env).require_secret()


def test_the_base_url_follows_where_the_server_listens_unless_set(tmp_path: Path) -> None:
    assert load_settings({"data_dir": tmp_path}, {}).base_url == "http://127.0.0.1:8000"
    moved = load_settings({"data_dir": tmp_path, "port": 8123}, {})
    assert moved.base_url == "http://127.0.0.1:8123"
    anywhere = load_settings({"data_dir": tmp_path}, {"DAILYPAPERS_HOST": "0.0.0.0"})
    assert anywhere.base_url == "http://127.0.0.1:8000"
    public = load_settings(
        {"data_dir": tmp_path, "port": 8123}, {"DAILYPAPERS_BASE_URL": "https://papers.example.org"}
    )
    assert public.base_url == "https://papers.example.org"


def test_an_unknown_time_zone_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="timezone: no time zone named 'Mars/Olympus'"):
        load_settings({"data_dir": tmp_path}, {"DAILYPAPERS_TIMEZONE": "Mars/Olympus"})
