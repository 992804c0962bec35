"""ModifyDBSubnetGroup changes a DB subnet group in place
(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSubnetGroup.html):
the group is still there afterwards, with its new subnets."""

from .realistic_base import RealisticCase


class SubnetGroupTest(RealisticCase):
    REALISTIC = False

    def test_modify_keeps_the_group(self):
        ec2, rds = self.client("ec2"), self.client("rds")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{self.REGION}{z}")["Subnet"][
                "SubnetId"
            ]
            for i, z in ((1, "a"), (2, "c"), (3, "d"))
        ]
        rds.create_db_subnet_group(DBSubnetGroupName="db", DBSubnetGroupDescription="db", SubnetIds=subnets)
        rds.modify_db_subnet_group(DBSubnetGroupName="db", SubnetIds=subnets[:2])
        group = rds.describe_db_subnet_groups(DBSubnetGroupName="db")["DBSubnetGroups"][0]
        self.assertEqual(sorted(s["SubnetIdentifier"] for s in group["Subnets"]), sorted(subnets[:2]))
        self.assertEqual(group["DBSubnetGroupDescription"], "db")
