"""VPC endpoints as AWS changes them: ModifyVpcEndpoint's PrivateDnsEnabled
turns an Interface endpoint's private DNS off and on, and its route table
changes add and remove a Gateway endpoint's routes."""

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


class GatewayRouteTables(RealisticCase):
    REALISTIC = False

    def test_a_table_added_later_gets_the_route_and_the_endpoint_deletes(self):
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        first = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        second = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        made = ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=f"com.amazonaws.{self.REGION}.s3", VpcEndpointType="Gateway", RouteTableIds=[first]
        )["VpcEndpoint"]["VpcEndpointId"]

        def routed(table):
            routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
            return any(r.get("GatewayId") == made for r in routes)

        self.assertTrue(routed(first))
        self.assertFalse(routed(second))
        ec2.modify_vpc_endpoint(VpcEndpointId=made, AddRouteTableIds=[second], RemoveRouteTableIds=[first])
        self.assertTrue(routed(second))
        self.assertFalse(routed(first))
        ec2.delete_vpc_endpoints(VpcEndpointIds=[made])
        self.assertFalse(routed(second))
