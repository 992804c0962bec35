"""SQS: a deleted queue's name is refused for AWS's 60 seconds
(QueueDeletedRecently), on the realistic clock and, with a short window, in
the default mode."""

import time

from .realistic_base import RealisticCase

CODE = "AWS.SimpleQueueService.QueueDeletedRecently"


class RealisticDeletedRecently(RealisticCase):
    # 60 AWS seconds in 0.5 s.
    SCALE = 120

    def test_name_refused_until_the_window_passes(self):
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        sqs.delete_queue(QueueUrl=url)
        self.assertRefused(CODE, sqs.create_queue, QueueName="jobs")
        # Another name is free; so is the same name in another account's view.
        sqs.create_queue(QueueName="other")
        self.wait_until(lambda: self._creates(sqs, "jobs"), timeout=5, what="the name free again")

    def test_an_existing_queue_is_answered_as_before(self):
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName="kept")["QueueUrl"]
        self.assertEqual(sqs.create_queue(QueueName="kept")["QueueUrl"], url)

    def _creates(self, sqs, name):
        from botocore.exceptions import ClientError

        try:
            sqs.create_queue(QueueName=name)
            return True
        except ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], CODE)
            return False


class DefaultDeletedRecently(RealisticCase):
    REALISTIC = False

    def test_short_window_in_the_default_mode(self):
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        sqs.delete_queue(QueueUrl=url)
        started = time.monotonic()
        self.assertRefused(CODE, sqs.create_queue, QueueName="jobs")
        self.wait_until(lambda: self._free(sqs), timeout=10, what="the name free again")
        self.assertLess(time.monotonic() - started, 5)

    def _free(self, sqs):
        from botocore.exceptions import ClientError

        try:
            sqs.create_queue(QueueName="jobs")
            return True
        except ClientError:
            return False
