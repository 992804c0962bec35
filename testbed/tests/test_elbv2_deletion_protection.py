"""A load balancer with deletion protection on is not deleted, as on AWS."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class DeletionProtection(RealisticCase):
    REALISTIC = False

    def test_a_protected_load_balancer_is_refused_then_deleted_once_unprotected(self):
        elb = self.client("elbv2")
        subnets = self.subnets()
        arn = elb.create_load_balancer(Name="guarded", Subnets=subnets[:2], Scheme="internal")["LoadBalancers"][0][
            "LoadBalancerArn"
        ]
        elb.modify_load_balancer_attributes(
            LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}]
        )
        with self.assertRaises(ClientError) as e:
            elb.delete_load_balancer(LoadBalancerArn=arn)
        self.assertEqual(e.exception.response["Error"]["Code"], "OperationNotPermitted")
        self.assertEqual(len(elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]), 1)
        elb.modify_load_balancer_attributes(
            LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}]
        )
        elb.delete_load_balancer(LoadBalancerArn=arn)
        self.assertEqual(elb.describe_load_balancers()["LoadBalancers"], [])
