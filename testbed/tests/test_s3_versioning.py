"""GetBucketVersioning's answer as AWS documents it: a VersioningConfiguration."""

import urllib.request

from .realistic_base import RealisticCase


class GetBucketVersioningDocument(RealisticCase):
    REALISTIC = False

    def _raw(self, bucket):
        req = urllib.request.Request(f"{self.server.url}/{bucket}?versioning")
        req.add_header("x-moto-account-id", self.account)
        with urllib.request.urlopen(req) as r:
            return r.read().decode()

    def test_root_is_versioning_configuration_with_status_only_once_set(self):
        s3 = self.client("s3")
        s3.create_bucket(Bucket="versioning-root", CreateBucketConfiguration={"LocationConstraint": self.REGION})
        never = self._raw("versioning-root")
        self.assertIn("<VersioningConfiguration", never)
        self.assertNotIn("Status", never)
        self.assertNotIn("GetBucketVersioningResponse", never)
        s3.put_bucket_versioning(Bucket="versioning-root", VersioningConfiguration={"Status": "Suspended"})
        self.assertIn("<Status>Suspended</Status>", self._raw("versioning-root"))
        self.assertEqual(s3.get_bucket_versioning(Bucket="versioning-root")["Status"], "Suspended")
