"""Every number the protocol client uses, in one place (docs/STYLE.md item 4, after openai-python)."""

from __future__ import annotations

import httpx

#: Connect 5 s, read 30 s: a gateway that takes longer than 30 s to answer one request is not answering.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
WRITE_TIMEOUT = 30.0  # an inline data URL of a 5 MB photo is ~7 MB of JSON
POOL_TIMEOUT = 5.0
DEFAULT_TIMEOUT = httpx.Timeout(
    connect=CONNECT_TIMEOUT, read=READ_TIMEOUT, write=WRITE_TIMEOUT, pool=POOL_TIMEOUT
)

#: Retries after the first attempt, for requests that are safe to repeat (polls, downloads, precharge).
MAX_RETRIES = 4
#: Exponential backoff bounds (seconds) with full jitter; a Retry-After answer overrides them up to the cap.
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 60.0

#: HTTP statuses a safe request is retried on (openai-python retries the same set).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: The only answers after which a create certainly made nothing: rate limited or explicitly unavailable.
CREATE_RETRY_STATUSES = frozenset({429, 503})

#: Polling: first look after 1 s, never closer than 0.5 s, never further apart than 20 s.
POLL_FIRST = 1.0
POLL_MIN = 0.5
POLL_MAX = 20.0
POLL_BACKOFF = 1.5
#: Poll this long after the estimated finish: notice quickly without polling before the result exists.
POLL_MARGIN = 0.25
#: While the finish is far off, wait this share of the remaining time, then re-estimate.
POLL_APPROACH = 0.8
#: How many polls in a row may fail (after their own retries) before wait() gives up.
POLL_ERROR_LIMIT = 5

#: Downloads: results are ≤ 2048×2048 JPEGs (a few MB); refuse anything absurdly large.
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
DOWNLOAD_CHUNK = 64 * 1024

#: The keyring service name (docs/ARCHITECTURE.md) and the environment variable that overrides it.
KEYRING_SERVICE = "portrait-studio"
KEYRING_USER = "api-key"
ENV_API_KEY = "PORTRAIT_STUDIO_API_KEY"

#: What the key looks like in logs, reprs and error text.
REDACTED = "***"
