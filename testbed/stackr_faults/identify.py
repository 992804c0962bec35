"""Names an AWS call from its HTTP request: service, operation and protocol.

``identify(method, path, headers, body)`` returns a ``Call``. It never
fails: a request that says nothing about itself is ``unknown`` for the
service and ``METHOD /path`` (names replaced) for the operation.

- service: the credential scope of the SigV4 ``Authorization`` header
  (``Credential=AKID/DATE/REGION/SERVICE/aws4_request``), or of a presigned
  URL's ``X-Amz-Credential`` parameter.
- operation: the last part of ``X-Amz-Target`` (awsJson), the ``Action``
  parameter of the query string or of a form body (query protocols), or
  for REST protocols the method and the path with names replaced by
  placeholders, so that calls on different resources count together.
- protocol: which error shape the service speaks (see ``shapes``).
"""

import re
from collections import namedtuple
from urllib.parse import parse_qs, urlsplit

EC2 = "ec2"
QUERY = "query"
JSON = "json"
REST_JSON = "rest-json"
REST_XML = "rest-xml"
S3 = "s3"

# Services on the awsQuery protocol (XML errors wrapped in ErrorResponse).
QUERY_SERVICES = frozenset(
    {
        "autoscaling",
        "cloudformation",
        "elasticache",
        "elasticbeanstalk",
        "elasticloadbalancing",
        "iam",
        "monitoring",
        "rds",
        "redshift",
        "ses",
        "sns",
        "sqs",
        "sts",
    }
)

# REST-XML services whose errors are wrapped in ErrorResponse, with the
# namespace of their API version.
REST_XML_NAMESPACES = {
    "route53": "https://route53.amazonaws.com/doc/2013-04-01/",
    "cloudfront": "http://cloudfront.amazonaws.com/doc/2020-05-31/",
}

Call = namedtuple("Call", "service operation protocol json_type")
Call.__doc__ = """One request's identity; json_type is the awsJson content type to answer with."""

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")
_LITERAL_SEGMENT = re.compile(r"^(?:[a-z][a-z-]*|\d{4}-\d{2}-\d{2})$")
_FORM = "application/x-www-form-urlencoded"


def identify(method, path, headers, body):
    """The ``Call`` a request makes (headers: an ``email.message.Message``)."""
    split = urlsplit(path)
    query = parse_qs(split.query, keep_blank_values=True)
    service = _service(headers, query)
    target = headers.get("X-Amz-Target")
    if target:
        content_type = headers.get("Content-Type", "")
        json_type = content_type if content_type.startswith("application/x-amz-json-1.") else None
        return Call(service, target.rsplit(".", 1)[-1], JSON, json_type or "application/x-amz-json-1.1")
    action = _action(query, headers, body)
    if service == "ec2":
        return Call(service, action or _rest_operation(method, split.path, query), EC2, None)
    if service in ("s3", "s3express"):
        return Call(service, _s3_operation(method, split.path, query), S3, None)
    if service in REST_XML_NAMESPACES:
        return Call(service, _rest_operation(method, split.path, query), REST_XML, None)
    if action or service in QUERY_SERVICES:
        return Call(service, action or _rest_operation(method, split.path, query), QUERY, None)
    return Call(service, _rest_operation(method, split.path, query), REST_JSON, None)


def _service(headers, query):
    match = _SCOPE.search(headers.get("Authorization", ""))
    if match:
        return match.group(1)
    credential = query.get("X-Amz-Credential")
    if credential:
        parts = credential[0].split("/")
        if len(parts) == 5 and parts[4] == "aws4_request":
            return parts[3]
    return "unknown"


def _action(query, headers, body):
    if query.get("Action"):
        return query["Action"][0]
    if headers.get("Content-Type", "").split(";")[0].strip().lower() == _FORM and body:
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        if form.get("Action"):
            return form["Action"][0]
    return None


def _s3_operation(method, path, query):
    """``GET /``, ``PUT /{Bucket}?versioning``, ``GET /{Bucket}/{Key+}``."""
    segments = [s for s in path.split("/") if s]
    shape = "/"
    if segments:
        shape = "/{Bucket}" + ("/{Key+}" if len(segments) > 1 else "")
    return method + " " + shape + _subresources(query)


def _rest_operation(method, path, query):
    """The path with every segment that is not a lower-case word or an API
    version date replaced by ``{id}``."""
    segments = [s if _LITERAL_SEGMENT.match(s) else "{id}" for s in path.split("/") if s]
    return method + " /" + "/".join(segments) + _subresources(query)


def _subresources(query):
    names = sorted(k for k, v in query.items() if not k.lower().startswith("x-amz-") and v == [""])
    return "?" + "&".join(names) if names else ""
