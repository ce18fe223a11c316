"""Personal identifiers made fit for logs: MDNs as ``+1312***7777``, emails as ``j***@example.com``.

Logs, stderr and error messages of every plugin go through here; files that are data (the
target's dead letters, the callback journal) keep what they hold. ``mask_mdn`` masks a
value known to be a phone number; ``mask_text`` finds phone numbers and email addresses in
free text (Vibes' error messages, schema errors, ids from a file) and masks each;
``mask_logger`` makes a logger mask every line it emits, for lines we do not write
ourselves (the SDK's DEBUG "Processed record" line prints a sink's whole batch).

What stays visible: the country code and the next 3 digits (the area code in North
America), and the last 4 digits, as support desks show them; at least 3 digits are always
hidden. Up to 6 digits are not a phone number and stay as they are.
"""

from __future__ import annotations

import logging
import re
import unicodedata

MASK = "***"
_SHOWN_AFTER_COUNTRY_CODE = 3
_SHOWN_AT_END = 4
_LEAST_HIDDEN = 3
_FEWEST_DIGITS = 7

# ITU-T E.164 country codes of one and two digits; every other code has three.
_ONE_DIGIT_CODES = frozenset("17")
_TWO_DIGIT_CODES = frozenset(
    re.findall(
        r"\d+",
        "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
        "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98",
    )
)

# In free text: "+" and 7 or more digits (separators allowed), a bare run of 10 or more
# digits (too long to be a number is still someone's number mistyped), or a North American
# number written with separators ("(312) 555-7777", "312.555.7777"); "+" and "@" may be
# percent-encoded, as in a request path. Not dates, times or shorter counts, and no bare
# digits inside a longer word, id or file name: a path in a log line must stay usable, but
# a request path ending in a number (/persons/external/3125557777) is masked.
_PHONE = re.compile(
    r"(?<!\d)(?:\+|%2[Bb])\d(?:[ ().-]{0,2}\d){6,}(?!\d)"
    r"|(?<![\w+\\.-])(?:\d{10,}|\(?\d{3}\)?[ .-]{1,2}\d{3}[ .-]\d{4})(?![\w/\\]|[.-]\w)"
)
_EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_ENCODED = re.compile(r"%2[Bb]|%40")


def mask_mdn(value: object) -> str:
    """A phone number with its middle digits hidden: ``+13125557777`` -> ``+1312***7777``."""
    text = _decoded(str(value))
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < _FEWEST_DIGITS:
        return _EMAIL.sub(lambda match: mask_email(match.group()), text)
    international = text.lstrip().startswith("+")
    head = _SHOWN_AFTER_COUNTRY_CODE + (_country_code_length(digits) if international else 0)
    head = min(head, len(digits) - _SHOWN_AT_END - _LEAST_HIDDEN)
    return ("+" if international else "") + digits[: max(head, 0)] + MASK + digits[-4:]


def mask_email(value: str) -> str:
    """An email address with its local part hidden but the first character: ``j***@x.com``."""
    local, _, domain = _decoded(value).rpartition("@")
    if not local:
        return MASK
    return f"{local[0]}{MASK}@{domain}"


def mask_text(text: object) -> str:
    """``text`` with every phone number and email address in it masked."""
    masked = _EMAIL.sub(lambda match: mask_email(match.group()), str(text))
    return _PHONE.sub(lambda match: mask_mdn(match.group()), masked)


class MaskingFilter(logging.Filter):
    """Masks phone numbers and emails in each line a logger emits (tracebacks aside: the
    errors of vibes_api mask their own text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_FILTER = MaskingFilter()


def mask_logger(logger: logging.Logger) -> logging.Logger:
    """Make ``logger`` mask the lines logged on it (its children need their own call)."""
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def _decoded(text: str) -> str:
    return _ENCODED.sub(lambda match: "@" if match.group() == "%40" else "+", text)


def _country_code_length(digits: str) -> int:
    digits = "".join(str(unicodedata.digit(ch, 0)) for ch in digits[:2])
    if digits[:1] in _ONE_DIGIT_CODES:
        return 1
    if digits[:2] in _TWO_DIGIT_CODES:
        return 2
    return 3
