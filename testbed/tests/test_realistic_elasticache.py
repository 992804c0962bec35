"""Realistic ElastiCache: cache clusters take AWS's time, and what AWS
refuses meanwhile is refused with its codes."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class CacheClusterTest(RealisticCase):
    # At 300x a cluster takes 1-2 s to make and a modification (60 AWS s at
    # least) stays long enough to be refused in.
    SCALE = 300

    def setUp(self):
        super().setUp()
        self.cache = self.client("elasticache")
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{self.REGION}a")["Subnet"][
            "SubnetId"
        ]
        self.cache.create_cache_subnet_group(
            CacheSubnetGroupName="cache", CacheSubnetGroupDescription="cache", SubnetIds=[subnet]
        )

    def create(self, cluster_id):
        return self.cache.create_cache_cluster(
            CacheClusterId=cluster_id,
            Engine="memcached",
            CacheNodeType="cache.t4g.micro",
            NumCacheNodes=1,
            CacheSubnetGroupName="cache",
        )["CacheCluster"]

    def described(self, cluster_id):
        clusters = self.cache.describe_cache_clusters(CacheClusterId=cluster_id, ShowCacheNodeInfo=True)
        return clusters["CacheClusters"][0]

    def state(self, cluster_id):
        try:
            return self.described(cluster_id)["CacheClusterStatus"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "CacheClusterNotFound":
                return "gone"
            raise

    def states_until(self, cluster_id, final, timeout=20):
        """The distinct states of the cluster, in order, until ``final``."""
        seen = []

        def reached():
            state = self.state(cluster_id)
            if not seen or seen[-1] != state:
                seen.append(state)
            return state == final

        self.wait_until(reached, timeout=timeout, pause=0.02, what=f"state {final}")
        return seen

    def modify(self, cluster_id):
        return self.cache.modify_cache_cluster(
            CacheClusterId=cluster_id, PreferredMaintenanceWindow="mon:03:00-mon:04:00", ApplyImmediately=True
        )

    def test_creating_then_available_and_refused_until_then(self):
        self.assertEqual(self.create("c1")["CacheClusterStatus"], "creating")
        node = self.described("c1")["CacheNodes"][0]
        self.assertEqual(node["CacheNodeStatus"], "creating")
        self.assertRefused("InvalidCacheClusterState", self.modify, "c1")
        self.assertRefused("InvalidCacheClusterState", self.cache.delete_cache_cluster, CacheClusterId="c1")
        self.assertEqual(self.states_until("c1", "available"), ["creating", "available"])
        self.assertEqual(self.described("c1")["CacheNodes"][0]["CacheNodeStatus"], "available")

        self.assertEqual(self.modify("c1")["CacheCluster"]["CacheClusterStatus"], "modifying")
        self.assertRefused("InvalidCacheClusterState", self.modify, "c1")
        self.assertRefused("InvalidCacheClusterState", self.cache.delete_cache_cluster, CacheClusterId="c1")
        self.assertEqual(self.states_until("c1", "available"), ["modifying", "available"])
        self.modify("c1")

    def test_deleting_then_gone_and_holds_its_subnet_group(self):
        self.create("c2")
        self.states_until("c2", "available")
        answer = self.cache.delete_cache_cluster(CacheClusterId="c2")
        self.assertEqual(answer["CacheCluster"]["CacheClusterStatus"], "deleting")
        self.assertEqual(self.described("c2")["CacheNodes"][0]["CacheNodeStatus"], "deleting")
        self.assertRefused("InvalidCacheClusterState", self.modify, "c2")
        self.assertRefused("CacheSubnetGroupInUse", self.cache.delete_cache_subnet_group, CacheSubnetGroupName="cache")
        seen = self.states_until("c2", "gone")
        # `deleted`, a status AWS lists, may show between the end of the
        # deletion and the purge on a busy machine.
        self.assertEqual([s for s in seen if s != "deleted"], ["deleting", "gone"])
        self.cache.delete_cache_subnet_group(CacheSubnetGroupName="cache")


class ReplicationGroupTest(RealisticCase):
    """A replication group takes AWS's time and refuses changes meanwhile."""

    SCALE = 300

    def setUp(self):
        super().setUp()
        self.cache = self.client("elasticache")
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        self.cache.create_cache_subnet_group(
            CacheSubnetGroupName="cache", CacheSubnetGroupDescription="cache", SubnetIds=[subnet]
        )

    def group_state(self, gid):
        try:
            return self.cache.describe_replication_groups(ReplicationGroupId=gid)["ReplicationGroups"][0]["Status"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "ReplicationGroupNotFoundFault":
                return "gone"
            raise

    def modify_group(self, gid):
        return self.cache.modify_replication_group(
            ReplicationGroupId=gid, ReplicationGroupDescription="changed", ApplyImmediately=True
        )

    def test_group_creating_modifying_deleting(self):
        made = self.cache.create_replication_group(
            ReplicationGroupId="rg",
            ReplicationGroupDescription="sessions",
            CacheNodeType="cache.t4g.micro",
            NumCacheClusters=2,
            CacheSubnetGroupName="cache",
        )["ReplicationGroup"]
        self.assertEqual(made["Status"], "creating")
        self.assertRefused("InvalidReplicationGroupState", self.modify_group, "rg")
        self.assertRefused("InvalidReplicationGroupState", self.cache.delete_replication_group, ReplicationGroupId="rg")
        self.assertEqual(self.states_until_group("rg", "available"), ["creating", "available"])

        self.assertEqual(self.modify_group("rg")["ReplicationGroup"]["Status"], "modifying")
        self.assertRefused("InvalidReplicationGroupState", self.modify_group, "rg")
        self.assertRefused(
            "InvalidReplicationGroupState",
            self.cache.increase_replica_count,
            ReplicationGroupId="rg",
            NewReplicaCount=2,
            ApplyImmediately=True,
        )
        self.assertEqual(self.states_until_group("rg", "available"), ["modifying", "available"])

        self.cache.delete_replication_group(ReplicationGroupId="rg")
        self.assertRefused("CacheSubnetGroupInUse", self.cache.delete_cache_subnet_group, CacheSubnetGroupName="cache")
        self.assertEqual(self.states_until_group("rg", "gone"), ["deleting", "gone"])
        self.cache.delete_cache_subnet_group(CacheSubnetGroupName="cache")

    def states_until_group(self, gid, final):
        seen = []

        def reached():
            state = self.group_state(gid)
            if not seen or seen[-1] != state:
                seen.append(state)
            return state == final

        self.wait_until(reached, timeout=30, pause=0.02, what=f"state {final}")
        return seen
