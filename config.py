"""Configuration, read once by ``app.create_app``.

Defaults suit one organiser's laptop: SQLite in ``instance/``, a secret generated once and kept there.
Production is chosen with ``SAIWU_ENV=production`` and refuses to start with a development secret or debug.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEV_SECRET_MARKERS = ("dev", "change-me", "secret", "test")


class ConfigError(RuntimeError):
    """The configuration would be unsafe or unusable; the message says what to change."""


def database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'saiwu.db'}"
    # psycopg 3 is the driver we ship; accept the plain scheme people copy from their host.
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def instance_secret(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/secret_key."""
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting together must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    ENV_NAME = "development"
    DEBUG = False
    TESTING = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    DB_PING_AFTER_IDLE = 10  # seconds a pooled connection may sit unused before it is tested (app._ping_when_idle)
    SQLITE_BUSY_TIMEOUT_MS = 5000
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # the largest upload is a 10 MB proof PDF plus form fields
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set per request when served over HTTPS (see app.security)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600  # one contest day
    WTF_CSRF_TIME_LIMIT = 12 * 3600  # a tablet may hold a form open all day
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Off only for load benchmarks, where every simulated user comes from 127.0.0.1.
    RATELIMIT_ENABLED = os.environ.get("SAIWU_RATELIMIT", "1") != "0"
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    UPLOAD_FOLDER: str | None = None  # defaults to instance/uploads
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")  # printed in certificates' QR codes
    CERTIFICATE_PROCESSES = int(os.environ.get("CERTIFICATE_PROCESSES", "2"))


class DevelopmentConfig(Config):
    DEBUG = False  # the Werkzeug debugger is a remote shell; opt in with FLASK_DEBUG=1


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def load_config(instance_path: Path, name: str | None = None, overrides: dict | None = None) -> dict:
    """Return the settings as a dict, ready for ``app.config.update``."""
    name = name or os.environ.get("SAIWU_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"SAIWU_ENV={name!r} 无效，应为 development、testing 或 production")
    cls = CONFIGS[name]
    settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    settings["SECRET_KEY"] = instance_secret(instance_path)
    settings["SQLALCHEMY_DATABASE_URI"] = database_url(instance_path)
    settings["UPLOAD_FOLDER"] = str(instance_path / "uploads")
    if os.environ.get("UPLOAD_FOLDER"):
        settings["UPLOAD_FOLDER"] = os.environ["UPLOAD_FOLDER"]
    settings.update(overrides or {})
    check_production(settings)
    return settings


def check_production(settings: dict) -> None:
    if settings.get("ENV_NAME") != "production":
        return
    secret = str(settings.get("SECRET_KEY", ""))
    if len(secret) < 32 or any(m in secret.lower() for m in DEV_SECRET_MARKERS):
        raise ConfigError("生产环境拒绝启动：SECRET_KEY 是开发用密钥或太短（至少32个字符的随机值）")
    if settings.get("DEBUG") or os.environ.get("FLASK_DEBUG") in ("1", "true"):
        raise ConfigError("生产环境拒绝启动：不能开启调试模式（DEBUG / FLASK_DEBUG）")
