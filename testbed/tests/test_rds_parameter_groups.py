"""RDS parameter groups as AWS has them (stackr_moto.rds_parameter_groups):
Reset* puts parameters back to the default, Modify*/Reset* take at most 20
parameters, and a group in use cannot be deleted."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


def params(n, start=0):
    return [
        {"ParameterName": f"p{i}", "ParameterValue": str(i), "ApplyMethod": "immediate"} for i in range(start, start + n)
    ]


class ParameterGroups(RealisticCase):
    REALISTIC = False

    def refused(self, code, fn, **kw):
        with self.assertRaises(ClientError) as e:
            fn(**kw)
        self.assertEqual(e.exception.response["Error"]["Code"], code)

    def test_reset_returns_parameters_to_the_default(self):
        rds = self.client("rds")
        rds.create_db_parameter_group(DBParameterGroupName="pg", DBParameterGroupFamily="mysql8.0", Description="d")
        rds.modify_db_parameter_group(DBParameterGroupName="pg", Parameters=params(3))
        rds.reset_db_parameter_group(
            DBParameterGroupName="pg", Parameters=[{"ParameterName": "p1", "ApplyMethod": "immediate"}]
        )
        names = [p["ParameterName"] for p in rds.describe_db_parameters(DBParameterGroupName="pg")["Parameters"]]
        self.assertEqual(sorted(names), ["p0", "p2"])
        rds.reset_db_parameter_group(DBParameterGroupName="pg", ResetAllParameters=True)
        self.assertEqual(rds.describe_db_parameters(DBParameterGroupName="pg")["Parameters"], [])

    def test_cluster_reset_and_twenty_a_call(self):
        rds = self.client("rds")
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName="cpg", DBParameterGroupFamily="aurora-mysql8.0", Description="d"
        )
        self.refused(
            "InvalidParameterValue",
            rds.modify_db_cluster_parameter_group,
            DBClusterParameterGroupName="cpg",
            Parameters=params(21),
        )
        rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="cpg", Parameters=params(20))
        rds.reset_db_cluster_parameter_group(
            DBClusterParameterGroupName="cpg", Parameters=[{"ParameterName": "p0", "ApplyMethod": "immediate"}]
        )
        got = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="cpg")["Parameters"]
        self.assertEqual(len(got), 19)
        self.refused(
            "DBParameterGroupNotFound",
            rds.reset_db_cluster_parameter_group,
            DBClusterParameterGroupName="nope",
            ResetAllParameters=True,
        )

    def test_a_group_in_use_by_a_cluster_cannot_be_deleted(self):
        rds = self.client("rds")
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName="used", DBParameterGroupFamily="aurora-mysql8.0", Description="d"
        )
        rds.create_db_cluster(
            DBClusterIdentifier="db",
            Engine="aurora-mysql",
            MasterUsername="admin",
            MasterUserPassword="password1234",
            DBClusterParameterGroupName="used",
        )
        self.refused(
            "InvalidDBParameterGroupState", rds.delete_db_cluster_parameter_group, DBClusterParameterGroupName="used"
        )
        rds.delete_db_cluster(DBClusterIdentifier="db", SkipFinalSnapshot=True)
        rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="used")
