"""DeleteVpc is refused while an internet gateway is attached or a
non-default security group remains, as on AWS
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html)."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class VpcDependencies(RealisticCase):
    REALISTIC = False

    def refused(self, ec2, vpc):
        with self.assertRaises(ClientError) as e:
            ec2.delete_vpc(VpcId=vpc)
        self.assertEqual(e.exception.response["Error"]["Code"], "DependencyViolation")

    def test_a_gateway_or_a_group_left_in_the_vpc_refuses_its_delete(self):
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        self.refused(ec2, vpc)
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        self.refused(ec2, vpc)
        ec2.delete_security_group(GroupId=group)
        ec2.delete_vpc(VpcId=vpc)
        self.assertEqual([v for v in ec2.describe_vpcs()["Vpcs"] if v["VpcId"] == vpc], [])
