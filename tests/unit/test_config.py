from pathlib import Path

import pytest

from config import ConfigError, database_url, instance_secret, load_config


def test_sqlite_in_instance_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path / 'saiwu.db'}"


@pytest.mark.parametrize("given", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_postgres_urls_use_psycopg3(given, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", given)
    assert database_url(Path(".")) == "postgresql+psycopg://u@h/db"


def test_secret_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = instance_secret(tmp_path)
    assert len(first) == 64
    assert instance_secret(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_secret_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert instance_secret(tmp_path) == "x" * 40
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_development_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "dev-secret-please-change-me-0123456789")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, "production")


def test_production_refuses_short_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "abc123")
    with pytest.raises(ConfigError, match="太短"):
        load_config(tmp_path, "production")


def test_production_refuses_debug(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "q8Zr3LmP0vX7kT2wY9nB4cF6hJ1sD5gA")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="调试"):
        load_config(tmp_path, "production")


def test_production_starts_with_a_real_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "q8Zr3LmP0vX7kT2wY9nB4cF6hJ1sD5gA")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    settings = load_config(tmp_path, "production")
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["DEBUG"] is False


def test_unknown_environment_name(tmp_path):
    with pytest.raises(ConfigError, match="SAIWU_ENV"):
        load_config(tmp_path, "staging")
