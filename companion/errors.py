"""Error types with stable codes; the user-facing text for each code lives here."""

from __future__ import annotations

from typing import Any

# User-facing messages, kept in one place so the API, dashboard and docs agree.
MESSAGES: dict[str, str] = {
    "bad_request": "The request was not understood.",
    "invalid_json": "The request body is not valid JSON.",
    "invalid_input": "The request body has invalid values.",
    "body_too_large": "The request body is too large.",
    "unauthorized": "Sign in or send a valid API token.",
    "forbidden": "You do not have permission to do that.",
    "not_found": "Not found.",
    "method_not_allowed": "Method not allowed.",
    "setup_token_invalid": "That setup token is not valid.",
    "setup_complete": "Setup is complete; sign in instead.",
    "integration_not_found": "No such integration.",
    "entry_not_found": "No such integration entry.",
    "cannot_connect": "Could not reach the service. Check the URL and that it is running.",
    "invalid_auth": "The service rejected the credentials.",
    "unknown": "Unexpected error while testing the connection. Check the companion log.",
    "single_instance": "This integration can only be configured once.",
    "jellyfin_unreachable": "Jellyfin is slow or unreachable. Check your Jellyfin instance.",
    "invalid_text": "The request holds text that is not valid UTF-8.",
    "internal_error": "Something went wrong on our side. Check the companion log.",
}


class CompanionError(Exception):
    """Base of every error the companion maps to an HTTP answer."""

    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.message = message or MESSAGES.get(self.code, MESSAGES["internal_error"])
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON error body shape `{"error": {"code", "message"}}`."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class BadRequest(CompanionError):
    """The client sent something we cannot accept (400)."""

    status = 400
    code = "bad_request"


class InvalidInput(BadRequest):
    """A field in the body is missing or has the wrong type (400)."""

    code = "invalid_input"


class Unauthorized(CompanionError):
    """No valid credentials (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(CompanionError):
    """Authenticated, but not allowed (403)."""

    status = 403
    code = "forbidden"


class NotFound(CompanionError):
    """The addressed object does not exist (404)."""

    status = 404
    code = "not_found"


class Conflict(CompanionError):
    """The request conflicts with current state (409)."""

    status = 409
    code = "conflict"


class ServiceUnavailable(CompanionError):
    """An outside service needed for the answer is down (503)."""

    status = 503
    code = "service_unavailable"


class NotSupportedByServer(CompanionError):
    """The configured media server cannot do this at all (409): not an outage, a limit."""

    status = 409
    code = "not_supported_by_server"
