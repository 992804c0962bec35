"""VPC endpoints as AWS changes them: ModifyVpcEndpoint's PrivateDnsEnabled
turns an Interface endpoint's private DNS off and on."""

from .realistic_base import RealisticCase


class PrivateDns(RealisticCase):
    REALISTIC = False

    def test_private_dns_is_changed_in_place(self):
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
        made = ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{self.REGION}.secretsmanager",
            VpcEndpointType="Interface",
            SubnetIds=[subnet],
            PrivateDnsEnabled=True,
        )["VpcEndpoint"]["VpcEndpointId"]

        def dns():
            return ec2.describe_vpc_endpoints(VpcEndpointIds=[made])["VpcEndpoints"][0]["PrivateDnsEnabled"]

        self.assertTrue(dns())
        ec2.modify_vpc_endpoint(VpcEndpointId=made, PrivateDnsEnabled=False)
        self.assertFalse(dns())
        ec2.modify_vpc_endpoint(VpcEndpointId=made, PrivateDnsEnabled=True)
        self.assertTrue(dns())
