"""ModifyDBSubnetGroup changes a DB subnet group in place
(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSubnetGroup.html):
the group is still there afterwards, with its new subnets."""

from .realistic_base import RealisticCase


class SubnetGroupTest(RealisticCase):
    REALISTIC = False

    def test_modify_keeps_the_group(self):
        rds = self.client("rds")
        subnets = self.subnets(("a", "c", "d"))
        rds.create_db_subnet_group(DBSubnetGroupName="db", DBSubnetGroupDescription="db", SubnetIds=subnets)
        rds.modify_db_subnet_group(DBSubnetGroupName="db", SubnetIds=subnets[:2])
        group = rds.describe_db_subnet_groups(DBSubnetGroupName="db")["DBSubnetGroups"][0]
        self.assertEqual(sorted(s["SubnetIdentifier"] for s in group["Subnets"]), sorted(subnets[:2]))
        self.assertEqual(group["DBSubnetGroupDescription"], "db")
