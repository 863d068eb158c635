"""Secrets never shown: a database URL's password is masked in every message and log (README "Safety").

`mask_url("postgresql+psycopg://audit:s3cret@db/gov")` → `postgresql+psycopg://audit:***@db/gov`;
`mask_text(text)` masks every URL with a password inside a text (error messages, tracebacks);
`MaskingFilter` does it for every log record a handler emits (the CLI installs it on its handler).
"""
from __future__ import annotations

import logging
import re

# scheme://user:password@  (the password may hold anything but '@' and whitespace; '@' inside a password
# must be percent-encoded in a URL anyway)
_CREDENTIALS = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@'\"]*:)(?P<secret>[^\s'\"]+)(?P<at>@)")
# password=… in a libpq connection string or URL query
_KEYWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<secret>'[^']*'|\"[^\"]*\"|[^\s&;]+)", re.IGNORECASE)
MASK = "***"


def mask_text(text: str) -> str:
    """The text with every URL password (and `password=` value) replaced by ***."""
    if not text:
        return text
    text = _CREDENTIALS.sub(lambda m: f"{m['head']}{MASK}{m['at']}", text)
    return _KEYWORD.sub(lambda m: f"{m['head']}{MASK}", text)


def mask_url(url: str) -> str:
    """A URL as it may be shown: its password masked."""
    return mask_text(url)


class MaskingFilter(logging.Filter):
    """Masks secrets in a log record's final message (arguments included) and its exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is left to the handler
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
