"""S3: conditional writes are atomic, as in AWS.

AWS: of concurrent ``PutObject`` requests with ``If-None-Match: *`` on one
key exactly one succeeds and the others get 412 ``PreconditionFailed``;
``If-Match`` writes and deletes likewise compare and act in one step. moto
checks the condition and then stores the object as two steps, while its
server answers requests on several threads, so two racing creators of a
lock object could both succeed. ``apply()`` makes each object write and
delete one step by running them under one lock (moto's S3 keeps everything
in memory, so this costs microseconds).
"""

import threading

from moto.s3.responses import S3Response

_WRITES = threading.Lock()


def _atomic(original):
    def wrapper(self, *args, **kwargs):
        with _WRITES:
            return original(self, *args, **kwargs)

    wrapper.__name__ = original.__name__
    wrapper.__doc__ = original.__doc__
    return wrapper


def _versioning_root(original):
    def wrapper(self, *args, **kwargs):
        response = original(self, *args, **kwargs)
        if isinstance(response, tuple) and len(response) == 3:
            status, headers, body = response
            if isinstance(body, bytes):
                body = body.replace(b"GetBucketVersioningResponse", b"VersioningConfiguration")
            elif isinstance(body, str):
                body = body.replace("GetBucketVersioningResponse", "VersioningConfiguration")
            return status, headers, body
        return response

    wrapper.__name__ = original.__name__
    wrapper.__doc__ = original.__doc__
    return wrapper


def apply():
    for name in ("put_object", "delete_object"):
        setattr(S3Response, name, _atomic(getattr(S3Response, name)))
    S3Response.get_bucket_versioning = _versioning_root(S3Response.get_bucket_versioning)
