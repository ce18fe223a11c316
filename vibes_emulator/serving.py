"""The runner that serves the emulator's app: every answer in Vibes' envelope, parser errors too.

A request aiohttp's HTTP parser cannot read (a request line or header over 8,190 bytes, too
many headers, a malformed request line or method, a bad Content-Length or Transfer-Encoding)
never reaches the application or its middleware: aiohttp's connection handler answers it
itself, in text/plain. :class:`VibesAppRunner` gives each connection a handler that answers
those in the envelope instead (``{"errors": [{"message", "code"}]}``, status 400, connection
closed), with a fixed message per kind so nothing the client sent (a header value may be a
credential) is echoed back. Used by the CLI and by ``testing.RunningEmulator``.
"""

from __future__ import annotations

import orjson
from aiohttp import http_exceptions, web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from vibes_emulator.errors import ApiError

# Most specific first: BadHttpMethod is a BadStatusLine, all are BadHttpMessage.
PARSER_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (http_exceptions.LineTooLong, "Request line or header too long (limit 8190 bytes)"),
    (http_exceptions.BadHttpMethod, "Malformed request: invalid method"),
    (http_exceptions.BadStatusLine, "Malformed request line"),
    (http_exceptions.InvalidURLError, "Malformed request URL"),
    (http_exceptions.InvalidHeader, "Malformed request header"),
    (http_exceptions.PayloadEncodingError, "Malformed request body framing"),
)


def parser_error_message(status: int, exc: BaseException | None) -> str:
    for kind, message in PARSER_ERRORS:
        if isinstance(exc, kind):
            return message
    if status >= 500:
        return "Internal Server Error"
    return "Malformed HTTP request"


class EnvelopeRequestHandler(RequestHandler):
    """A connection handler whose own error answers use Vibes' envelope."""

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        text = parser_error_message(status, exc)
        if status >= 500:
            # A bug that escaped the middleware: aiohttp's own handling logs the traceback.
            super().handle_error(request, status, exc, message)
        elif request.writer.output_size > 0:
            raise ConnectionError("an answer was already begun; cannot send the error")
        else:
            # aiohttp's message quotes the offending bytes (possibly a credential): not logged.
            self.logger.debug("refused a malformed request from %s: %s", request.remote, text)
        error = ApiError(status, text)
        response = web.Response(
            status=status, body=orjson.dumps(error.to_body()), content_type="application/json"
        )
        response.force_close()
        return response


class EnvelopeServer(web.Server):
    """A low-level server whose connections are :class:`EnvelopeRequestHandler` s."""

    def __call__(self) -> RequestHandler:
        return EnvelopeRequestHandler(self, loop=self._loop, **self._kwargs)


class VibesAppRunner(web.AppRunner):
    """``web.AppRunner`` serving through :class:`EnvelopeServer`."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The app's server is built by aiohttp (startup hooks, request factory); only the
        # connection handler it creates changes, so the class is swapped, not rebuilt.
        server.__class__ = EnvelopeServer
        return server
