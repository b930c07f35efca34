"""Configuration from the environment and a .env file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n import SUPPORTED

TOKEN_SHAPE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, description="from @BotFather")
    database_url: str = "sqlite+aiosqlite:///data/branchbot.db"
    telegram_api_url: str | None = None  # a self-hosted Bot API server; tests point it at a fake
    telegram_timeout: float = Field(default=30.0, gt=0)  # seconds to wait for one API call
    # At start, Telegram unreachable (network, 5xx, 429) is waited out: at most this long between tries.
    telegram_retry_max: float = Field(default=60.0, gt=0)
    # Telegram's limits, kept ahead of time; raise them only against your own Bot API server.
    send_per_second: float = Field(default=30.0, gt=0)
    send_per_chat_per_second: float = Field(default=1.0, gt=0)
    send_per_group_per_minute: int = Field(default=20, gt=0)
    # A reminder due while the bot was down is still sent if it is at most this late.
    reminder_grace_minutes: int = Field(default=60, ge=0)
    calendar_interval_seconds: float = Field(default=20.0, gt=0)  # how often the calendar looks
    clock_file: Path | None = None  # tests only: read "now" from this file (an ISO time)
    default_timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"
    log_level: str = "INFO"
    webhook_url: str | None = None  # set to receive updates by webhook instead of long polling
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    runtime: Literal["aiogram", "ptb"] = "aiogram"  # which Telegram library serves the bot

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_SHAPE.match(value.get_secret_value().strip()):
            raise ValueError(
                "BOT_TOKEN does not look like a bot token (digits, a colon, then letters), "
                "for example 123456789:AAHfiqksKZ8... Copy it again from @BotFather."
            )
        return SecretStr(value.get_secret_value().strip()) if value else None

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"DEFAULT_TIMEZONE {value!r} is not a time zone name such as Asia/Shanghai") from None
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in SUPPORTED:
            raise ValueError(f"DEFAULT_LOCALE must be one of {', '.join(SUPPORTED)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return value
