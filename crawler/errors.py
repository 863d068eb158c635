"""Error classes of failed downloads (dns, connect, tls, timeout, reset, …): stored with each fetch."""
from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure

from crawler.middlewares import PrivateAddressRefused


def classify(failure: Failure) -> tuple[str, str]:
    """An error class for the failure (dns, connect, tls, timeout, reset, …) and its text."""
    detail = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500]
    lowered = detail.lower()
    if failure.check(PrivateAddressRefused):
        return "refused_private", detail
    if failure.check(CannotResolveHostError, twisted_errors.DNSLookupError):
        return "dns", detail
    if failure.check(DownloadTimeoutError, twisted_errors.TimeoutError, twisted_errors.TCPTimedOutError):
        return "timeout", detail
    if failure.check(twisted_errors.ConnectError) and "reset by peer" in detail:
        return "reset", detail
    if failure.check(DownloadConnectionRefusedError, twisted_errors.ConnectionRefusedError,
                     twisted_errors.NoRouteError):
        return "connect", detail
    if "ssl" in lowered or "certificate" in lowered or "tls" in lowered or "handshake" in lowered:
        return "tls", detail
    if failure.check(IgnoreRequest):
        return ("too_many_redirects" if "redirect" in lowered else "skipped"), detail
    if "timeout" in lowered:
        return "timeout", detail
    # Scrapy 2.19 wraps download failures in its own exceptions; the wrapped cause is in the text.
    if failure.check(ResponseDataLossError, twisted_errors.ConnectionLost, twisted_errors.ConnectionDone) or (
            failure.check(DownloadFailedError) and any(
                k in detail for k in ("ConnectionDone", "ConnectionLost", "ResponseNeverReceived", "ResponseFailed"))) \
            or "connection lost" in lowered or "connection was closed" in lowered:
        return "reset", detail
    if failure.check(twisted_errors.ConnectError):
        return "connect", detail
    return "other", detail  # unknown: not counted as a failure of the target (precision first)
