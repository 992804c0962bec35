"""KMS as AWS documents it: rotation periods kept and reported, a second
ScheduleKeyDeletion refused."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class KeyRotationAndDeletion(RealisticCase):
    REALISTIC = False

    def test_rotation_period_is_kept_and_reported(self):
        kms = self.client("kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        self.assertNotIn("RotationPeriodInDays", kms.get_key_rotation_status(KeyId=key))
        kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
        status = kms.get_key_rotation_status(KeyId=key)
        self.assertTrue(status["KeyRotationEnabled"])
        self.assertEqual(status["RotationPeriodInDays"], 180)
        kms.enable_key_rotation(KeyId=key)
        self.assertEqual(kms.get_key_rotation_status(KeyId=key)["RotationPeriodInDays"], 365)
        kms.disable_key_rotation(KeyId=key)
        self.assertNotIn("RotationPeriodInDays", kms.get_key_rotation_status(KeyId=key))

    def test_a_key_pending_deletion_cannot_be_scheduled_again(self):
        kms = self.client("kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
        with self.assertRaises(ClientError) as e:
            kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
        self.assertEqual(e.exception.response["Error"]["Code"], "KMSInvalidStateException")
