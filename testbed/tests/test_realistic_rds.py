"""Realistic RDS: Aurora clusters and instances take AWS's time, and what
AWS refuses meanwhile is refused with its codes."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class RdsCase(RealisticCase):
    # At 300x a cluster takes 0.6-2 s to make, an instance 1.6-3 s, and a
    # modification (30 AWS s at least) stays long enough to be refused in.
    SCALE = 300

    def setUp(self):
        super().setUp()
        self.rds = self.client("rds")
        self.rds.create_db_subnet_group(
            DBSubnetGroupName="db", DBSubnetGroupDescription="db", SubnetIds=self.subnets()
        )

    def create_cluster(self, cluster_id):
        return self.rds.create_db_cluster(
            DBClusterIdentifier=cluster_id,
            Engine="aurora-mysql",
            MasterUsername="admin",
            MasterUserPassword="not-a-real-secret",
            DBSubnetGroupName="db",
        )["DBCluster"]

    def create_instance(self, instance_id, cluster_id):
        return self.rds.create_db_instance(
            DBInstanceIdentifier=instance_id,
            DBClusterIdentifier=cluster_id,
            Engine="aurora-mysql",
            DBInstanceClass="db.serverless",
        )["DBInstance"]

    def cluster(self, cluster_id):
        return self.rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]

    def instance(self, instance_id):
        return self.rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]

    def cluster_state(self, cluster_id):
        try:
            return self.cluster(cluster_id)["Status"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "DBClusterNotFoundFault":
                return "gone"
            raise

    def instance_state(self, instance_id):
        try:
            return self.instance(instance_id)["DBInstanceStatus"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "DBInstanceNotFound":
                return "gone"
            raise

    def available_cluster(self, cluster_id):
        self.create_cluster(cluster_id)
        self.wait_until(lambda: self.cluster_state(cluster_id) == "available", what="cluster available")


class ClusterTest(RdsCase):
    def test_creating_then_available_and_refused_until_then(self):
        self.assertEqual(self.create_cluster("wp")["Status"], "creating")
        self.assertRefused(
            "InvalidDBClusterStateFault",
            self.rds.modify_db_cluster,
            DBClusterIdentifier="wp",
            BackupRetentionPeriod=3,
            ApplyImmediately=True,
        )
        self.assertRefused("InvalidDBClusterStateFault", self.create_instance, "wp-1", "wp")
        self.assertRefused("DBClusterAlreadyExistsFault", self.create_cluster, "wp")
        self.assertEqual(self.states_until(lambda: self.cluster_state("wp"), "available"), ["creating", "available"])

        answer = self.rds.modify_db_cluster(DBClusterIdentifier="wp", BackupRetentionPeriod=3, ApplyImmediately=True)
        self.assertEqual(answer["DBCluster"]["Status"], "modifying")
        self.assertRefused(
            "InvalidDBClusterStateFault",
            self.rds.modify_db_cluster,
            DBClusterIdentifier="wp",
            BackupRetentionPeriod=4,
            ApplyImmediately=True,
        )
        self.assertEqual(self.states_until(lambda: self.cluster_state("wp"), "available"), ["modifying", "available"])
        self.assertEqual(self.cluster("wp")["BackupRetentionPeriod"], 3)

    def test_deleted_cluster_is_deleting_then_gone_and_holds_its_subnet_group(self):
        self.available_cluster("gone")
        self.assertEqual(
            self.rds.delete_db_cluster(DBClusterIdentifier="gone", SkipFinalSnapshot=True)["DBCluster"]["Status"],
            "deleting",
        )
        self.assertRefused(
            "InvalidDBClusterStateFault", self.rds.delete_db_cluster, DBClusterIdentifier="gone", SkipFinalSnapshot=True
        )
        self.assertRefused("InvalidDBSubnetGroupStateFault", self.rds.delete_db_subnet_group, DBSubnetGroupName="db")
        self.assertRefused("DBClusterAlreadyExistsFault", self.create_cluster, "gone")
        self.assertEqual(self.states_until(lambda: self.cluster_state("gone"), "gone"), ["deleting", "gone"])
        self.rds.delete_db_subnet_group(DBSubnetGroupName="db")


class InstanceTest(RdsCase):
    def test_instance_lifecycle_and_its_cluster(self):
        self.available_cluster("db")
        made = self.create_instance("db-1", "db")
        self.assertEqual(made["DBInstanceStatus"], "creating")
        self.assertNotIn("Endpoint", self.instance("db-1"))
        self.assertRefused(
            "InvalidDBInstanceState",
            self.rds.modify_db_instance,
            DBInstanceIdentifier="db-1",
            PromotionTier=2,
            ApplyImmediately=True,
        )
        self.assertRefused(
            "InvalidDBClusterStateFault", self.rds.delete_db_cluster, DBClusterIdentifier="db", SkipFinalSnapshot=True
        )
        self.assertEqual(self.states_until(lambda: self.instance_state("db-1"), "available"), ["creating", "available"])
        self.assertIn("Address", self.instance("db-1")["Endpoint"])

        answer = self.rds.modify_db_instance(DBInstanceIdentifier="db-1", PromotionTier=2, ApplyImmediately=True)
        self.assertEqual(answer["DBInstance"]["DBInstanceStatus"], "modifying")
        self.assertEqual(
            self.states_until(lambda: self.instance_state("db-1"), "available"), ["modifying", "available"]
        )
        # An available member keeps its cluster.
        self.assertRefused(
            "InvalidDBClusterStateFault", self.rds.delete_db_cluster, DBClusterIdentifier="db", SkipFinalSnapshot=True
        )

        self.rds.delete_db_instance(DBInstanceIdentifier="db-1", SkipFinalSnapshot=True)
        self.assertEqual(self.instance_state("db-1"), "deleting")
        self.assertRefused(
            "InvalidDBInstanceState", self.rds.delete_db_instance, DBInstanceIdentifier="db-1", SkipFinalSnapshot=True
        )
        members = [m["DBInstanceIdentifier"] for m in self.cluster("db")["DBClusterMembers"]]
        self.assertEqual(members, ["db-1"])
        # AWS takes the cluster's deletion once its instances are all deleting;
        # the cluster outlasts them.
        self.rds.delete_db_cluster(DBClusterIdentifier="db", SkipFinalSnapshot=True)
        self.assertEqual(self.cluster_state("db"), "deleting")

        def both():
            # The cluster first: were it read last, the instance could end
            # between the two reads and the pair look out of order.
            cluster = self.cluster_state("db")
            return (self.instance_state("db-1"), cluster)

        seen = self.states_until(both, ("gone", "gone"))
        self.assertEqual(seen[0], ("deleting", "deleting"))
        self.assertNotIn(("deleting", "gone"), seen)
