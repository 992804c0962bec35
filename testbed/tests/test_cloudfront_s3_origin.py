"""An S3 origin reads back with its S3OriginConfig, the identity "" when
none is used (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_S3OriginConfig.html)."""

from .realistic_base import RealisticCase
from .test_realistic_cloudfront import distribution_config


class S3OriginTest(RealisticCase):
    REALISTIC = False

    def test_s3_origin_config_is_returned(self):
        cf = self.client("cloudfront", region="us-east-1")
        config = distribution_config()
        config["Origins"]["Items"] = [
            {"Id": "web", "DomainName": "site.s3.ap-northeast-1.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
        ]
        made = cf.create_distribution(DistributionConfig=config)["Distribution"]
        got = cf.get_distribution(Id=made["Id"])["Distribution"]["DistributionConfig"]["Origins"]["Items"][0]
        self.assertEqual(got["S3OriginConfig"], {"OriginAccessIdentity": ""})
        self.assertNotIn("CustomOriginConfig", got)
