"""Async client of the Vibes Platform API shared by tap-vibes and target-vibes."""

from __future__ import annotations

from vibes_api.bridge import AsyncRunner
from vibes_api.client import VibesClient, VibesResponse
from vibes_api.encoding import encode_query, quote_id
from vibes_api.errors import (
    VibesAPIError,
    VibesBadRequest,
    VibesConfigError,
    VibesConflict,
    VibesError,
    VibesForbidden,
    VibesNotFound,
    VibesPayloadTooLarge,
    VibesRateLimited,
    VibesRequestError,
    VibesResponseError,
    VibesServerError,
    VibesTransportError,
    VibesUnauthorized,
    VibesUnprocessable,
)
from vibes_api.metrics import ClientMetrics
from vibes_api.progress import ProgressCounter, ProgressReporter
from vibes_api.rate_limit import LimitName, RateLimits, TokenBucket
from vibes_api.retry import RetryPolicy
from vibes_api.settings import EU_API_URL, US_API_URL, VibesSettings

__all__ = [
    "EU_API_URL",
    "US_API_URL",
    "AsyncRunner",
    "ClientMetrics",
    "LimitName",
    "ProgressCounter",
    "ProgressReporter",
    "RateLimits",
    "RetryPolicy",
    "TokenBucket",
    "VibesAPIError",
    "VibesBadRequest",
    "VibesClient",
    "VibesConfigError",
    "VibesConflict",
    "VibesError",
    "VibesForbidden",
    "VibesNotFound",
    "VibesPayloadTooLarge",
    "VibesRateLimited",
    "VibesRequestError",
    "VibesResponse",
    "VibesResponseError",
    "VibesServerError",
    "VibesSettings",
    "VibesTransportError",
    "VibesUnauthorized",
    "VibesUnprocessable",
    "encode_query",
    "quote_id",
]
