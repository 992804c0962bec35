"""Realistic EC2: NAT gateway states, AWS's DependencyViolation refusals, and
the network interfaces other services keep in a VPC after their owner."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class Ec2Case(RealisticCase):
    def setUp(self):
        super().setUp()
        self.ec2 = self.client("ec2")

    def network(self, igw=True, zones=("a", "c")):
        """A VPC with one subnet per zone and, if ``igw``, an attached
        internet gateway: (vpc id, [subnet ids], igw id or None)."""
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{self.REGION}{z}")[
                "Subnet"
            ]["SubnetId"]
            for i, z in enumerate(zones)
        ]
        gateway = None
        if igw:
            gateway = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            self.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        return vpc, subnets, gateway

    def group(self, vpc, name="app"):
        return self.ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]

    def accepted(self, code, fn, **kwargs):
        """Whether ``fn(**kwargs)`` succeeds (False while refused with ``code``)."""
        try:
            fn(**kwargs)
            return True
        except ClientError as e:
            if e.response["Error"]["Code"] != code:
                raise
            return False

    def eventually(self, code, fn, **kwargs):
        """``fn(**kwargs)``'s answer, retried while it is refused with ``code``."""
        answer = []
        self.wait_until(lambda: self.accepted(code, lambda **kw: answer.append(fn(**kw)), **kwargs), what=fn.__name__)
        return answer[0]

    def interfaces(self, group):
        return self.ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [group]}])[
            "NetworkInterfaces"
        ]


class NetworkTest(Ec2Case):
    # A NAT gateway is `deleting` for ~1 AWS minute: ~1 s at 60x.
    SCALE = 60

    def nat(self, nat_id):
        return self.ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]

    def address(self, allocation):
        return self.ec2.describe_addresses(AllocationIds=[allocation])["Addresses"][0]

    def available_nat(self, subnet, allocation):
        nat_id = self.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        self.wait_until(lambda: self.nat(nat_id)["State"] == "available", what="NAT gateway available")
        return nat_id

    def test_nat_gateway_is_pending_then_available_holding_its_address(self):
        _, subnets, _ = self.network()
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        created = self.ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation)["NatGateway"]
        self.assertEqual(created["State"], "pending")
        seen = self.states_until(lambda: self.nat(created["NatGatewayId"])["State"], "available")
        self.assertEqual(seen, ["pending", "available"])
        nat = self.nat(created["NatGatewayId"])
        address = self.address(allocation)
        self.assertEqual(address["NetworkInterfaceId"], nat["NatGatewayAddresses"][0]["NetworkInterfaceId"])
        self.assertIn("AssociationId", address)

    def test_deleted_nat_gateway_holds_its_address_until_deleted(self):
        vpc, subnets, igw = self.network()
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat_id = self.available_nat(subnets[0], allocation)
        self.ec2.delete_nat_gateway(NatGatewayId=nat_id)
        self.assertEqual(self.nat(nat_id)["State"], "deleting")
        # Still associated: the address stays mapped, so the VPC keeps its
        # gateway, the address cannot go and the subnet keeps the interface.
        self.assertIn("AssociationId", self.address(allocation))
        detach = self.ec2.detach_internet_gateway
        err = self.assertRefused("DependencyViolation", detach, InternetGatewayId=igw, VpcId=vpc)
        self.assertIn("has some mapped public address(es)", err.response["Error"]["Message"])
        self.assertRefused("InvalidIPAddress.InUse", self.ec2.release_address, AllocationId=allocation)
        self.assertRefused("DependencyViolation", self.ec2.delete_subnet, SubnetId=subnets[0])

        self.assertEqual(self.states_until(lambda: self.nat(nat_id)["State"], "deleted"), ["deleting", "deleted"])
        self.assertNotIn("AssociationId", self.address(allocation))
        self.ec2.release_address(AllocationId=allocation)
        self.ec2.delete_subnet(SubnetId=subnets[0])
        self.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)

    def test_public_nat_gateway_without_internet_gateway_fails(self):
        vpc, subnets, _ = self.network(igw=False)
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        created = self.ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation)["NatGateway"]
        self.assertEqual(created["State"], "pending")
        seen = self.states_until(lambda: self.nat(created["NatGatewayId"])["State"], "failed")
        self.assertEqual(seen, ["pending", "failed"])
        nat = self.nat(created["NatGatewayId"])
        self.assertEqual(nat["FailureCode"], "Gateway.NotAttached")
        self.assertEqual(nat["FailureMessage"], f"Network {vpc} has no Internet gateway attached")
        # A failed gateway holds nothing, and is deleted at once.
        self.assertNotIn("AssociationId", self.address(allocation))
        self.ec2.delete_subnet(SubnetId=subnets[1])
        self.ec2.delete_nat_gateway(NatGatewayId=created["NatGatewayId"])
        self.assertEqual(self.nat(created["NatGatewayId"])["State"], "deleted")

    def test_nat_gateway_given_an_address_still_held_fails(self):
        _, subnets, _ = self.network()
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        old = self.available_nat(subnets[0], allocation)
        self.ec2.delete_nat_gateway(NatGatewayId=old)
        # AWS takes the call; the new gateway then fails (moto refused the call).
        new = self.ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        self.assertEqual(self.states_until(lambda: self.nat(new)["State"], "failed"), ["pending", "failed"])
        self.assertEqual(self.nat(new)["FailureCode"], "Resource.AlreadyAssociated")
        self.assertEqual(self.nat(new)["FailureMessage"], f"Elastic IP address [{allocation}] is already associated")
        self.wait_until(lambda: self.nat(old)["State"] == "deleted", what="old gateway deleted")
        self.assertEqual(self.address(allocation)["AllocationId"], allocation)
        self.assertNotIn("AssociationId", self.address(allocation))

    def test_group_referred_to_by_another_group_cannot_go(self):
        vpc, _, _ = self.network(igw=False)
        peer, app = self.group(vpc, "peer"), self.group(vpc, "app")
        rule = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": peer}]}
        self.ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[rule])
        err = self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=peer)
        self.assertEqual(err.response["Error"]["Message"], f"resource {peer} has a dependent object")
        self.ec2.revoke_security_group_ingress(GroupId=app, IpPermissions=[rule])
        self.ec2.delete_security_group(GroupId=peer)

    def test_vpc_cannot_go_while_a_gateway_or_group_remains(self):
        vpc, subnets, igw = self.network(zones=("a",))
        group = self.group(vpc)
        self.ec2.delete_subnet(SubnetId=subnets[0])
        err = self.assertRefused("DependencyViolation", self.ec2.delete_vpc, VpcId=vpc)
        self.assertEqual(err.response["Error"]["Message"], f"The vpc '{vpc}' has dependencies and cannot be deleted.")
        self.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        self.assertRefused("DependencyViolation", self.ec2.delete_vpc, VpcId=vpc)
        self.ec2.delete_security_group(GroupId=group)
        self.ec2.delete_vpc(VpcId=vpc)


class LingerTest(Ec2Case):
    # Interfaces outlive their owner by 10-180 AWS s: 0.1-1.5 s at 120x,
    # long enough to be refused in, short enough to wait out.
    SCALE = 120

    def test_load_balancer_interfaces_outlive_it(self):
        vpc, subnets, igw = self.network()
        group = self.group(vpc)
        elbv2 = self.client("elbv2")
        lb = elbv2.create_load_balancer(Name="web", Subnets=subnets, SecurityGroups=[group], Scheme="internet-facing")
        arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
        enis = self.interfaces(group)
        self.assertEqual(sorted(e["SubnetId"] for e in enis), sorted(subnets))
        for eni in enis:
            self.assertTrue(eni["RequesterManaged"])
            self.assertTrue(eni["Description"].startswith("ELB app/web/"), eni["Description"])
            self.assertIn("PublicIp", eni["Association"])
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        self.assertRefused("DependencyViolation", self.ec2.detach_internet_gateway, InternetGatewayId=igw, VpcId=vpc)
        self.assertRefused("DependencyViolation", self.ec2.delete_subnet, SubnetId=subnets[0])

        elbv2.delete_load_balancer(LoadBalancerArn=arn)
        # Gone from ELB, its interfaces still there a while.
        self.assertEqual(len(self.interfaces(group)), 2)
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        self.assertRefused("DependencyViolation", self.ec2.detach_internet_gateway, InternetGatewayId=igw, VpcId=vpc)
        self.wait_until(lambda: self.accepted("DependencyViolation", self.ec2.delete_security_group, GroupId=group))
        self.assertEqual(self.interfaces(group), [])
        self.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        for subnet in subnets:
            self.ec2.delete_subnet(SubnetId=subnet)

    def test_load_balancer_interfaces_follow_its_security_groups(self):
        vpc, subnets, _ = self.network()
        old, new = self.group(vpc, "old"), self.group(vpc, "new")
        elbv2 = self.client("elbv2")
        arn = elbv2.create_load_balancer(Name="web", Subnets=subnets, SecurityGroups=[old])["LoadBalancers"][0][
            "LoadBalancerArn"
        ]
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=old)
        elbv2.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[new])
        self.ec2.delete_security_group(GroupId=old)
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=new)

    def test_mount_target_interface_outlives_it(self):
        vpc, subnets, _ = self.network(igw=False)
        group = self.group(vpc)
        efs = self.client("efs")
        fs = efs.create_file_system(CreationToken="data")["FileSystemId"]
        mt = self.eventually(
            "IncorrectFileSystemLifeCycleState",
            efs.create_mount_target,
            FileSystemId=fs,
            SubnetId=subnets[0],
            SecurityGroups=[group],
        )
        [eni] = self.interfaces(group)
        self.assertEqual(eni["NetworkInterfaceId"], mt["NetworkInterfaceId"])
        self.assertTrue(eni["RequesterManaged"])
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        efs.delete_mount_target(MountTargetId=mt["MountTargetId"])
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        self.assertRefused("DependencyViolation", self.ec2.delete_subnet, SubnetId=subnets[0])
        self.wait_until(lambda: self.accepted("DependencyViolation", self.ec2.delete_security_group, GroupId=group))
        self.ec2.delete_subnet(SubnetId=subnets[0])

    def fargate(self, subnets, group):
        """An ECS cluster and Fargate task definition ``web``, and an awsvpc
        network configuration in ``subnets`` and ``group``."""
        ecs = self.client("ecs")
        ecs.create_cluster(clusterName="web")
        ecs.register_task_definition(
            family="web",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "web", "image": "nginx", "memory": 512}],
        )
        awsvpc = {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}
        return ecs, {"awsvpcConfiguration": awsvpc}

    def test_service_task_interfaces_outlive_the_tasks(self):
        vpc, subnets, _ = self.network(igw=False)
        group = self.group(vpc)
        ecs, network = self.fargate(subnets, group)
        self.eventually(
            "InvalidParameterException",
            ecs.create_service,
            cluster="web",
            serviceName="web",
            taskDefinition="web",
            desiredCount=2,
            launchType="FARGATE",
            networkConfiguration=network,
        )
        self.assertEqual(len(self.interfaces(group)), 2)
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        ecs.update_service(cluster="web", service="web", desiredCount=0)
        # The tasks stop; their interfaces go a while later.
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        self.wait_until(lambda: self.accepted("DependencyViolation", self.ec2.delete_security_group, GroupId=group))


    def test_run_task_interface_outlives_the_task(self):
        vpc, subnets, _ = self.network(igw=False)
        # moto's RunTask fails (500) in a VPC without DNS host names.
        self.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        group = self.group(vpc)
        ecs, network = self.fargate(subnets, group)
        task = ecs.run_task(cluster="web", taskDefinition="web", launchType="FARGATE", networkConfiguration=network)
        arn = task["tasks"][0]["taskArn"]
        [eni] = self.interfaces(group)
        self.assertTrue(eni["RequesterManaged"])
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        ecs.stop_task(cluster="web", task=arn, reason="done")
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        self.wait_until(lambda: self.accepted("DependencyViolation", self.ec2.delete_security_group, GroupId=group))


class DatabaseLingerTest(Ec2Case):
    # Aurora and ElastiCache take minutes to create and delete: at 600x
    # about a second, and their interfaces are still there meanwhile.
    SCALE = 600

    def test_db_instance_interface_outlives_it(self):
        vpc, subnets, _ = self.network(igw=False)
        group = self.group(vpc)
        rds = self.client("rds")
        rds.create_db_subnet_group(DBSubnetGroupName="db", DBSubnetGroupDescription="db", SubnetIds=subnets)
        rds.create_db_instance(
            DBInstanceIdentifier="db",
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="password123",
            DBSubnetGroupName="db",
            VpcSecurityGroupIds=[group],
        )
        [eni] = self.interfaces(group)
        self.assertEqual(eni["Description"], "RDSNetworkInterface")
        self.assertIn(eni["SubnetId"], subnets)
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        delete = rds.delete_db_instance
        self.eventually("InvalidDBInstanceState", delete, DBInstanceIdentifier="db", SkipFinalSnapshot=True)
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        self.wait_until(lambda: self.accepted("DependencyViolation", self.ec2.delete_security_group, GroupId=group))

    def test_cache_cluster_interfaces_outlive_it(self):
        vpc, subnets, _ = self.network(igw=False)
        group = self.group(vpc)
        cache = self.client("elasticache")
        cache.create_cache_subnet_group(
            CacheSubnetGroupName="cache", CacheSubnetGroupDescription="cache", SubnetIds=subnets
        )
        cache.create_cache_cluster(
            CacheClusterId="cache",
            Engine="memcached",
            CacheNodeType="cache.t3.micro",
            NumCacheNodes=2,
            CacheSubnetGroupName="cache",
            SecurityGroupIds=[group],
        )
        self.assertEqual(len(self.interfaces(group)), 2)
        self.eventually("InvalidCacheClusterState", cache.delete_cache_cluster, CacheClusterId="cache")
        self.assertRefused("DependencyViolation", self.ec2.delete_security_group, GroupId=group)
        self.assertRefused("DependencyViolation", self.ec2.delete_subnet, SubnetId=subnets[0])
        self.wait_until(lambda: self.accepted("DependencyViolation", self.ec2.delete_security_group, GroupId=group))
        self.wait_until(lambda: self.accepted("DependencyViolation", self.ec2.delete_subnet, SubnetId=subnets[0]))


    def test_a_cache_node_interface_is_in_the_subnet_of_its_zone(self):
        vpc, subnets, _ = self.network(igw=False)
        group = self.group(vpc)
        zones = {
            s["SubnetId"]: s["AvailabilityZone"] for s in self.ec2.describe_subnets(SubnetIds=subnets)["Subnets"]
        }
        last = sorted(subnets)[-1]
        cache = self.client("elasticache")
        cache.create_cache_subnet_group(
            CacheSubnetGroupName="zoned", CacheSubnetGroupDescription="zoned", SubnetIds=subnets
        )
        cache.create_cache_cluster(
            CacheClusterId="zoned",
            Engine="memcached",
            CacheNodeType="cache.t3.micro",
            NumCacheNodes=1,
            CacheSubnetGroupName="zoned",
            SecurityGroupIds=[group],
            PreferredAvailabilityZone=zones[last],
        )
        [eni] = self.interfaces(group)
        self.assertEqual(eni["SubnetId"], last, "AWS places a node's interface in its own zone")


class VpcEndpointTest(Ec2Case):
    # An endpoint is `pending` 20-90 AWS seconds: under 2 s at 60x.
    SCALE = 60

    def endpoint(self, vpce):
        return self.ec2.describe_vpc_endpoints(
            Filters=[{"Name": "vpc-endpoint-id", "Values": [vpce]}]
        )["VpcEndpoints"]

    def test_pending_then_available_and_modify_refused_meanwhile(self):
        vpc, _, _ = self.network(igw=False)
        table = self.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        made = self.ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=f"com.amazonaws.{self.REGION}.s3", VpcEndpointType="Gateway", ClientToken="t1"
        )["VpcEndpoint"]
        vpce = made["VpcEndpointId"]
        self.assertEqual(made["State"], "pending")
        # The same token: the same endpoint.
        again = self.ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=f"com.amazonaws.{self.REGION}.s3", VpcEndpointType="Gateway", ClientToken="t1"
        )["VpcEndpoint"]
        self.assertEqual(again["VpcEndpointId"], vpce)
        self.assertRefused("IncorrectState", self.ec2.modify_vpc_endpoint, VpcEndpointId=vpce, AddRouteTableIds=[table])
        self.wait_until(lambda: self.endpoint(vpce)[0]["State"] == "available", what="available")
        self.ec2.modify_vpc_endpoint(VpcEndpointId=vpce, AddRouteTableIds=[table])
        self.assertEqual(self.endpoint(vpce)[0]["RouteTableIds"], [table])

    def test_delete_is_deleting_then_deleted_and_unknown_ids_are_unsuccessful(self):
        vpc, _, _ = self.network(igw=False)
        vpce = self.ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=f"com.amazonaws.{self.REGION}.s3", VpcEndpointType="Gateway"
        )["VpcEndpoint"]["VpcEndpointId"]
        out = self.ec2.delete_vpc_endpoints(VpcEndpointIds=[vpce, "vpce-0123456789abcdef0"])
        self.assertEqual(
            [(u["ResourceId"], u["Error"]["Code"]) for u in out["Unsuccessful"]],
            [("vpce-0123456789abcdef0", "InvalidVpcEndpoint.NotFound")],
        )
        self.assertEqual(self.endpoint(vpce)[0]["State"], "deleting")
        self.wait_until(lambda: self.endpoint(vpce)[0]["State"] == "deleted", what="deleted")
        again = self.ec2.delete_vpc_endpoints(VpcEndpointIds=[vpce])
        self.assertEqual(again["Unsuccessful"][0]["Error"]["Code"], "InvalidVpcEndpoint.NotFound")

    def test_private_dns_needs_the_vpc_dns_attributes(self):
        vpc, subnets, _ = self.network(igw=False)
        service = f"com.amazonaws.{self.REGION}.sqs"
        self.assertRefused(
            "InvalidParameter",
            self.ec2.create_vpc_endpoint,
            VpcId=vpc,
            ServiceName=service,
            VpcEndpointType="Interface",
            SubnetIds=subnets[:1],
        )
        # Without private DNS, or once the VPC has both attributes: made.
        self.ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=service, VpcEndpointType="Interface", SubnetIds=subnets[:1], PrivateDnsEnabled=False
        )
        self.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=service, VpcEndpointType="Interface", SubnetIds=subnets[1:]
        )
