"""Graph API failures -> `DeliveryError` with the right retry advice for the delivery loop."""

from __future__ import annotations

from bots.whatsapp.graph import GraphError
from dialogue.messages import DeliveryError

# Throttling codes and how long to wait when Graph gives no Retry-After header:
# 4 app call limit, 80007 account limit, 130429 throughput, 131056 too many messages to one person.
RATE_LIMIT_CODES: dict[int, float] = {4: 60.0, 80007: 60.0, 130429: 5.0, 131056: 6.0}
DEFAULT_RETRY_AFTER_S = 5.0
# The person has not written for 24 hours: only a template may be sent.
REENGAGEMENT_CODE = 131047
# Expired or wrong token, missing permission: nothing a retry fixes until an admin acts, but the
# messages must not be thrown away meanwhile.
AUTH_CODES = {190, 10, 200}
AUTH_RETRY_AFTER_S = 300.0
# Meta's own temporary failures.
TRANSIENT_CODES = {1, 2, 131000, 131016, 131057, 133004}


def is_reengagement(error: GraphError) -> bool:
    """Tell whether Graph refused a free-form message because the 24-hour window is closed."""
    return error.code == REENGAGEMENT_CODE


def to_delivery_error(error: GraphError, what: str) -> DeliveryError:
    """Return the `DeliveryError` for a failed Graph call; `what` names the call for the log."""
    text = f"WhatsApp {what} failed: {error}"
    if error.status == 429 or error.code in RATE_LIMIT_CODES:
        default = RATE_LIMIT_CODES.get(error.code or 0, DEFAULT_RETRY_AFTER_S)
        return DeliveryError(
            text, retry_after=error.retry_after if error.retry_after is not None else default
        )
    if error.status == 401 or error.code in AUTH_CODES:
        return DeliveryError(
            f"{text}; check WHATSAPP_ACCESS_TOKEN and the app's whatsapp_business_messaging permission",
            retry_after=AUTH_RETRY_AFTER_S,
        )
    if error.status == 0 or error.status >= 500 or error.code in TRANSIENT_CODES:
        return DeliveryError(text, retry_after=error.retry_after)
    # 400-class: invalid or blocked recipient (131026, 131051...), bad parameters, unknown template.
    return DeliveryError(text, permanent=True)
