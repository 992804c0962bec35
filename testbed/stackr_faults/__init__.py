"""stackr_faults: a fault-injecting HTTP proxy between the AWS SDK and the local AWS.

stackr promises that it never loses track of a resource and never leaves a
duplicate, whatever AWS does in the middle of a run. moto never throttles,
never fails and never drops a connection, so tests and benchmark scripts
put this proxy between the SDK and moto: it forwards every call byte for
byte, and answers a chosen share of them with the faults real AWS produces,
each in the wire shape of the service's protocol, so that the SDK
classifies them exactly as it would classify AWS's own.

Run it (Python 3 standard library only) with this folder on PYTHONPATH::

    python -m stackr_faults --upstream http://127.0.0.1:PORT [options]

Arguments
---------
``--upstream URL``     the local AWS, ``http://127.0.0.1:PORT`` (required;
                       any other host is refused: traffic never leaves
                       the loopback interface).
``--port N``           the port to listen on, 127.0.0.1 only (0, the
                       default: a free port).
``--latency-ms N``     delay each proxied call by N ms before it is
                       forwarded or answered with a fault ...
``--jitter-ms N``      ... plus or minus a uniform random J ms (never below 0).
``--fault-rate R``     the probability (0..1) that a call gets a fault (0).
``--kinds LIST``       the fault kinds to mix, equal weight, comma
                       separated (default ``throttle,5xx,reset,lost``).
``--seed S``           seed of the fault decisions: the same seed and the
                       same sequence of calls give the same faults.
``--log FILE``         append one JSON line per injected fault
                       (``event: "fault"``, time, kind, service, operation,
                       method, path, status) ...
``--log-all``          ... plus one line per proxied call
                       (``event: "request"``, the same fields, kind null
                       when none, and ``ms``).
``--watch-stdin``      exit when standard input reaches end of file, so a
                       proxy started by a test dies with the test.

Once it accepts connections it prints exactly one line to standard output,
``stackr-faults listening on http://127.0.0.1:PORT``, and nothing after.

Control endpoint
----------------
Requests under ``/__stackr_faults__/`` are answered by the proxy itself,
never forwarded and never faulted (no valid S3 bucket name contains ``_``):

- ``GET /__stackr_faults__/stats``: ``{"requests": n, "faults": {"throttle":
  n, "5xx": n, "reset": n, "lost": n}, "by_operation": {"ec2:CreateVpc":
  {"requests": n, "faults": n}, ...}}``. Every attempt the SDK makes counts.
- ``GET|POST /__stackr_faults__/config``: a JSON object setting any of
  ``fault_rate``, ``latency_ms``, ``jitter_ms``, ``kinds`` (list or comma
  separated string) and ``seed`` (an integer reseeds the fault decisions,
  null reseeds them at random); answers with the whole configuration.
  A script can so fault only one phase of a run.
- ``POST /__stackr_faults__/reset-stats``: zeroes the counters.

How a call is named
-------------------
The service is the credential scope of the SigV4 ``Authorization`` header
(``Credential=AKID/DATE/REGION/SERVICE/aws4_request``). The operation is the
``X-Amz-Target`` header's last part (JSON protocols), the ``Action``
parameter (query protocols), or for REST protocols the method and path with
names replaced: ``GET /{Bucket}?versioning``, ``POST
/2013-04-01/hostedzone/{id}/rrset``.

Fault kinds and their exact shapes
----------------------------------
``throttle`` (not forwarded): the throttling error the service really sends.
The SDK's retry classifier (aws-runtime ``THROTTLING_ERRORS``) knows each
code below as throttling, so it backs off and retries as with AWS.

- EC2 (its own query dialect): HTTP 503, ``text/xml;charset=UTF-8``,
  ``<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>
  RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>
  </Error></Errors><RequestID>...</RequestID></Response>``.
- awsQuery (rds, elasticache, elasticloadbalancing, iam, sts, monitoring,
  sns, sqs, and any call carrying ``Action``): HTTP 400, ``text/xml``,
  ``<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>
  <Message>Rate exceeded</Message></Error><RequestId>...</RequestId>
  </ErrorResponse>``.
- awsJson (every call carrying ``X-Amz-Target``: ecs, logs, wafv2,
  secretsmanager, ssm, kms, acm, application-autoscaling, ...): HTTP 400,
  the request's ``application/x-amz-json-1.x`` content type,
  ``x-amzn-RequestId``, ``{"__type":"ThrottlingException","message":"Rate
  exceeded"}``.
- restJson1 (elasticfilesystem and other REST JSON services): HTTP 429,
  ``x-amzn-ErrorType: ThrottlingException``, ``x-amzn-RequestId``,
  ``{"ErrorCode":"ThrottlingException","Message":"Rate exceeded"}``.
- REST-XML route53 and cloudfront: HTTP 400, ``<ErrorResponse xmlns="
  https://route53.amazonaws.com/doc/2013-04-01/">`` (CloudFront:
  ``http://cloudfront.amazonaws.com/doc/2020-05-31/``) with ``<Error><Type>
  Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>
  </Error><RequestId>...</RequestId>``.
- S3: HTTP 503, ``application/xml``, ``x-amz-request-id``, ``<Error><Code>
  SlowDown</Code><Message>Please reduce your request rate.</Message>
  <RequestId>...</RequestId></Error>`` (no body for HEAD, as S3 does).

``5xx`` (not forwarded): a server error in the same shapes, alternately
HTTP 500 and 503, with the codes each protocol documents: EC2 and S3
``InternalError`` / ``ServiceUnavailable``; awsQuery, awsJson and REST-XML
``InternalFailure`` / ``ServiceUnavailable`` (their common errors, with
``<Type>Receiver</Type>``); restJson1 ``InternalServerError`` /
``ServiceUnavailable``. The SDK retries them as transient (status 500, 503).

``reset`` (not forwarded): the request is read, then the client connection
is closed with a TCP RST (``SO_LINGER`` 0) before any response byte: the
SDK sees a dispatch (I/O) failure, as when a connection breaks on the way.

``lost`` (forwarded): moto executes the call, then the client connection is
reset instead of returning the response. The call took effect but the
client cannot know: the classic maker of duplicates, which stackr must
resolve by looking before it creates again.

Every injected fault is counted and logged. Latency is added before every
proxied call, faulted or not (an AWS error costs a round trip too).
"""
