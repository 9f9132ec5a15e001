import pytest

from portrait_studio.core import errors as E


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (401, {"error": {"code": 401, "message": "invalid api key"}}, E.AuthenticationError),
        (403, {"error": {"error_message": "Insufficient balance"}}, E.InsufficientBalanceError),
        (403, {"message": "permission denied for model"}, E.PermissionDeniedError),
        (403, "forbidden", E.PermissionDeniedError),
        (429, {"error": "rate limited"}, E.RateLimitError),
        (408, None, E.GatewayTimeoutError),
        (504, "<html>gateway timeout</html>", E.GatewayTimeoutError),
        (500, {"error": {"code": "003010095", "message": "boom"}}, E.ServerError),
        (503, None, E.ServerError),
        (400, {"error": {"code": "003010003", "message": "bad format"}}, E.BadRequestError),
    ],
)
def test_status_mapping(status, body, cls):
    err = E.error_for_status(status, body)
    assert type(err) is cls
    assert err.status == status
    assert err.message and err.fix
    assert isinstance(err, E.APIError) and isinstance(err, E.PortraitStudioError)


def test_server_message_is_kept():
    err = E.error_for_status(403, {"error": {"code": 1, "error_message": "Insufficient balance: 0.01 USD"}})
    assert "0.01 USD" in err.message


def test_bad_request_uses_task_code_text():
    err = E.error_for_status(400, {"error": {"code": 3010003, "message": "x"}})
    assert err.code == "003010003"
    assert "JPG" in err.message


@pytest.mark.parametrize("code", [c for c in E.TASK_CODES if c != "0"])
def test_every_task_code_has_plain_text_and_keeps_server_message(code):
    err = E.TaskFailedError(code, "upstream said no", task_id="t1")
    assert err.code == code
    assert "upstream said no" in err.message
    assert err.fix and err.fix != E.PortraitStudioError.default_fix


@pytest.mark.parametrize(
    ("raw", "norm"), [(3010003, "003010003"), ("003010003", "003010003"), ("0", "0"), (None, None)]
)
def test_normalize_code(raw, norm):
    assert E.normalize_code(raw) == norm


def test_task_failed_without_anything():
    err = E.TaskFailedError(None, None)
    assert "without saying why" in err.message


def test_to_dict():
    d = E.TaskFailedError("003010002", "gpen out of range").to_dict()
    assert d["code"] == "003010002" and "gpen out of range" in d["message"] and d["fix"]


def test_a_refusal_about_the_face_points_at_the_photo_not_the_sliders():
    err = E.TaskFailedError(
        "003010002", "No face was found in the photo, so the local engine has nothing to retouch."
    )
    assert err.message.startswith("The photo was not accepted: No face was found")
    assert "face" in err.fix and "slider" not in err.fix
    assert "slider" in E.TaskFailedError("003010002", "gpen out of range").fix  # other parameters: as before
    assert "slider" in E.TaskFailedError("003010002", "surface must be matte").fix  # a word, not a substring
