"""The Resource Groups Tagging API lists what AWS's table of supported
resources lists: DB subnet groups included."""

from .realistic_base import RealisticCase


class GetResourcesCoverage(RealisticCase):
    REALISTIC = False

    def test_db_subnet_groups_are_listed_with_their_tags(self):
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{self.REGION}{az}")["Subnet"][
                "SubnetId"
            ]
            for i, az in enumerate("ac")
        ]
        rds = self.client("rds")
        group = rds.create_db_subnet_group(
            DBSubnetGroupName="tagged",
            DBSubnetGroupDescription="d",
            SubnetIds=subnets,
            Tags=[{"Key": "stackr:stack", "Value": "s1"}],
        )["DBSubnetGroup"]
        rds.create_db_subnet_group(
            DBSubnetGroupName="other", DBSubnetGroupDescription="d", SubnetIds=subnets, Tags=[{"Key": "k", "Value": "v"}]
        )
        tagging = self.client("resourcegroupstaggingapi")
        found = tagging.get_resources(TagFilters=[{"Key": "stackr:stack", "Values": ["s1"]}])["ResourceTagMappingList"]
        self.assertEqual([m["ResourceARN"] for m in found], [group["DBSubnetGroupArn"]])
        self.assertEqual(found[0]["Tags"], [{"Key": "stackr:stack", "Value": "s1"}])
        by_type = tagging.get_resources(ResourceTypeFilters=["rds:subgrp"])["ResourceTagMappingList"]
        self.assertEqual(len(by_type), 2)
