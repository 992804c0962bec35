"""The error responses AWS sends, in each protocol's wire shape.

``error_response(call, kind, unavailable)`` returns ``(status, headers,
body)`` for a ``throttle`` or ``5xx`` fault of a ``Call`` (see
``identify``); for ``5xx``, ``unavailable`` picks 503 ServiceUnavailable
over 500. The shapes are those the AWS SDK's deserializers read:

- EC2: ``<Response><Errors><Error>`` with ``<RequestID>`` (ec2_query_errors);
- awsQuery and REST-XML route53 / cloudfront: ``<ErrorResponse><Error>``
  with ``<Type>``, ``<Code>``, ``<Message>`` and ``<RequestId>`` (wrapped
  errors), REST-XML with the service's document namespace;
- S3: an unwrapped ``<Error>`` with ``<Code>``, ``<Message>``, ``<RequestId>``;
- awsJson: ``{"__type": CODE, "message": ...}``;
- restJson1: the ``x-amzn-ErrorType`` header (which the SDK reads first)
  and ``{"ErrorCode": CODE, "Message": ...}``.

The codes are those of the services' documentation; the throttling ones are
all in aws-runtime's ``THROTTLING_ERRORS``, and 500 / 503 are transient to
the SDK whatever the code.
"""

import json
import uuid
from xml.sax.saxutils import escape

from . import identify as ids

# (throttle, 5xx 500, 5xx 503): (status, code, message) per protocol.
_THROTTLE = {
    ids.EC2: (503, "RequestLimitExceeded", "Request limit exceeded."),
    ids.QUERY: (400, "Throttling", "Rate exceeded"),
    ids.REST_XML: (400, "Throttling", "Rate exceeded"),
    ids.JSON: (400, "ThrottlingException", "Rate exceeded"),
    ids.REST_JSON: (429, "ThrottlingException", "Rate exceeded"),
    ids.S3: (503, "SlowDown", "Please reduce your request rate."),
}
_INTERNAL = {
    ids.EC2: (500, "InternalError", "An internal error has occurred."),
    ids.QUERY: (500, "InternalFailure", "The request processing has failed because of an unknown error."),
    ids.REST_XML: (500, "InternalFailure", "The request processing has failed because of an unknown error."),
    ids.JSON: (500, "InternalFailure", "The request processing has failed because of an unknown error."),
    ids.REST_JSON: (500, "InternalServerError", "The request processing has failed because of an unknown error."),
    ids.S3: (500, "InternalError", "We encountered an internal error. Please try again."),
}
_UNAVAILABLE = {
    ids.EC2: (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    ids.QUERY: (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    ids.REST_XML: (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    ids.JSON: (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    ids.REST_JSON: (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    ids.S3: (503, "ServiceUnavailable", "Please reduce your request rate."),
}

_XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def error_response(call, kind, unavailable=False):
    """``(status, [(header, value)], body bytes)`` of a throttle or 5xx fault."""
    if kind == "throttle":
        table = _THROTTLE
    elif unavailable:
        table = _UNAVAILABLE
    else:
        table = _INTERNAL
    status, code, message = table[call.protocol]
    request_id = str(uuid.uuid4())
    sender = status < 500
    protocol = call.protocol
    if protocol == ids.EC2:
        body = (
            f"{_XML_DECL}<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return status, [("Content-Type", "text/xml;charset=UTF-8")], body.encode()
    if protocol in (ids.QUERY, ids.REST_XML):
        namespace = ids.REST_XML_NAMESPACES.get(call.service) if protocol == ids.REST_XML else None
        opening = f'<ErrorResponse xmlns="{namespace}">' if namespace else "<ErrorResponse>"
        body = (
            f"{opening}<Error><Type>{'Sender' if sender else 'Receiver'}</Type><Code>{code}</Code>"
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode()
    if protocol == ids.S3:
        host_id = uuid.uuid4().hex
        body = (
            f"{_XML_DECL}<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
        )
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id), ("x-amz-id-2", host_id)]
        return status, headers, body.encode()
    if protocol == ids.JSON:
        body = json.dumps({"__type": code, "message": message}, separators=(",", ":"))
        return status, [("Content-Type", call.json_type), ("x-amzn-RequestId", request_id)], body.encode()
    body = json.dumps({"ErrorCode": code, "Message": message}, separators=(",", ":"))
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-ErrorType", code),
        ("x-amzn-RequestId", request_id),
    ]
    return status, headers, body.encode()
