"""Amazon SQS, with AWS's wait before a deleted queue's name is free again.

- After DeleteQueue, CreateQueue of a queue with the same name is refused
  with ``AWS.SimpleQueueService.QueueDeletedRecently`` (HTTP 400) for 60
  seconds: "you must wait at least 60 seconds before creating a queue with
  the same name". moto freed the name at once, so a replacement that re-uses
  a name never met the refusal it meets on AWS.
  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html
  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
  The window is AWS's 60 seconds on the realistic clock (1 s at the default
  scale of 60), and ``DEFAULT_WINDOW`` wall seconds in the default mode
  (``STACKR_MOTO_SQS_DELETED_RECENTLY`` overrides it; 0 turns it off), short
  enough for tests to wait out.
- SetQueueAttributes sets the attributes it is given and leaves the others
  alone ("Sets the value of one or more queue attributes"); moto set the
  queue's policy to the call's, so changing any other attribute deleted
  the access policy.
  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
"""

import os
import time

from moto.sqs import models
from moto.sqs.exceptions import SQSException

from ._util import wrap_method
from .realistic import clock

AWS_WINDOW = 60
DEFAULT_WINDOW = 2.0


class QueueDeletedRecently(SQSException):
    def __init__(self, name):
        super().__init__(
            "AWS.SimpleQueueService.QueueDeletedRecently",
            f"You must wait 60 seconds after deleting a queue before you can create another with the same name ({name}).",
        )


def window():
    """Wall seconds a deleted queue's name stays refused."""
    if clock.enabled():
        return clock.wall(AWS_WINDOW)
    try:
        return float(os.environ.get("STACKR_MOTO_SQS_DELETED_RECENTLY", DEFAULT_WINDOW))
    except ValueError:
        return DEFAULT_WINDOW


def _deleted(backend):
    if not hasattr(backend, "_stackr_deleted"):
        backend._stackr_deleted = {}
    return backend._stackr_deleted


def apply():
    backend = models.SQSBackend

    @wrap_method(backend, "delete_queue")
    def delete_queue(moto_delete, self, queue_name):
        moto_delete(self, queue_name)
        _deleted(self)[queue_name] = time.monotonic()

    @wrap_method(backend, "create_queue")
    def create_queue(moto_create, self, name, tags=None, **kwargs):
        deleted = _deleted(self).get(name)
        if deleted is not None and name not in self.queues:
            if time.monotonic() - deleted < window():
                raise QueueDeletedRecently(name)
            _deleted(self).pop(name, None)
        return moto_create(self, name, tags, **kwargs)

    @wrap_method(backend, "set_queue_attributes")
    def set_queue_attributes(moto_set, self, queue_name, attributes):
        queue = self.get_queue(queue_name)
        policy = queue.policy
        out = moto_set(self, queue_name, attributes)
        if "Policy" not in attributes:
            queue.policy = policy
        return out
