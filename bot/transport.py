"""What a runtime must offer the core: sending, editing, answering, downloading — and its failures."""

from __future__ import annotations

from typing import Protocol

from handlers.kit.api import FileRef, Keyboard


class DeliveryError(Exception):
    """A call to the messenger failed; subclasses say what to do about it."""


class RetryLater(DeliveryError):
    """Flood control (429): wait ``retry_after`` seconds, then the same call may succeed."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"retry after {retry_after}s")
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """403: the user blocked the bot or never started it, or the bot left the chat."""


class Rejected(DeliveryError):
    """400: the request itself is wrong (chat not found, text too long, not modified)."""

    @property
    def not_modified(self) -> bool:
        return "message is not modified" in str(self)

    @property
    def chat_not_found(self) -> bool:
        return "chat not found" in str(self)


class Transient(DeliveryError):
    """5xx or a network error: worth trying again a little later."""


class Uncertain(Transient):
    """No answer in time: the request may or may not have arrived."""


class Transport(Protocol):
    """Photos and documents are bytes to upload, or a str: the file_id of one Telegram has."""

    bot_username: str

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard | None) -> int: ...

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: Keyboard | None) -> None: ...

    async def send_photo(self, chat_id: int, data: bytes | str, filename: str, caption: str | None,
                         buttons: Keyboard | None = None) -> int: ...

    async def send_document(self, chat_id: int, data: bytes | str, filename: str, caption: str | None,
                            buttons: Keyboard | None = None) -> int: ...

    async def send_media_group(self, chat_id: int, file_ids: list[str]) -> int:
        """An album (2 to 10 photos Telegram has, by file_id); the id of its first message."""
        ...

    async def answer_callback(self, callback_id: str, text: str | None, alert: bool, url: str | None) -> None: ...

    async def download(self, file: FileRef) -> bytes: ...

    async def is_chat_admin(self, chat_id: int, user_id: int) -> bool: ...
