"""ECR: a scanning configuration without scanOnPush turns scanning off."""

import unittest

import boto3
from moto import mock_aws

import stackr_moto.ecr


class ScanOnPushTest(unittest.TestCase):
    def setUp(self):
        stackr_moto.ecr.apply()

    @mock_aws
    def test_an_empty_configuration_turns_scanning_off(self):
        ecr = boto3.client("ecr", region_name="ap-northeast-1")
        ecr.create_repository(repositoryName="scanned", imageScanningConfiguration={"scanOnPush": True})
        ecr.put_image_scanning_configuration(repositoryName="scanned", imageScanningConfiguration={})
        repo = ecr.describe_repositories(repositoryNames=["scanned"])["repositories"][0]
        self.assertEqual(repo["imageScanningConfiguration"], {"scanOnPush": False})
        ecr.put_image_scanning_configuration(repositoryName="scanned", imageScanningConfiguration={"scanOnPush": True})
        repo = ecr.describe_repositories(repositoryNames=["scanned"])["repositories"][0]
        self.assertEqual(repo["imageScanningConfiguration"], {"scanOnPush": True})


if __name__ == "__main__":
    unittest.main()
