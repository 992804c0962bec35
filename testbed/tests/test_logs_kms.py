"""A log group's KMS key is associated and disassociated in place."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class LogGroupKmsKey(RealisticCase):
    REALISTIC = False

    def test_associate_and_disassociate_show_in_describe(self):
        logs = self.client("logs")
        logs.create_log_group(logGroupName="/kms/app")
        key = "arn:aws:kms:ap-northeast-1:123456789012:key/abc"

        def described():
            groups = logs.describe_log_groups(logGroupNamePrefix="/kms/app")["logGroups"]
            return groups[0].get("kmsKeyId")

        self.assertIsNone(described())
        logs.associate_kms_key(logGroupName="/kms/app", kmsKeyId=key)
        self.assertEqual(described(), key)
        logs.disassociate_kms_key(logGroupName="/kms/app")
        self.assertIsNone(described())
        with self.assertRaises(ClientError) as e:
            logs.associate_kms_key(logGroupName="/kms/none", kmsKeyId=key)
        self.assertEqual(e.exception.response["Error"]["Code"], "ResourceNotFoundException")

