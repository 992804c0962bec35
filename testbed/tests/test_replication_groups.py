"""ElastiCache replication groups as the AWS API reference describes them
(default mode): member clusters, replica counts, the AUTH token, states."""

import time

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class ReplicationGroupTest(RealisticCase):
    REALISTIC = False

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

    def group(self, gid):
        return self.cache.describe_replication_groups(ReplicationGroupId=gid)["ReplicationGroups"][0]

    def settle(self, gid):
        self.wait_until(lambda: self.group(gid)["Status"] == "available", what="available")

    def create(self, gid, **kw):
        args = dict(
            ReplicationGroupId=gid,
            ReplicationGroupDescription="sessions",
            Engine="redis",
            CacheNodeType="cache.t4g.micro",
            CacheSubnetGroupName="cache",
        )
        args.update(kw)
        return self.cache.create_replication_group(**args)["ReplicationGroup"]

    def assertRefused(self, code, fn, *args, **kwargs):
        with self.assertRaises(ClientError) as e:
            fn(*args, **kwargs)
        self.assertEqual(e.exception.response["Error"]["Code"], code)

    def test_members_are_cache_clusters_with_the_group_settings(self):
        made = self.create("rg1", NumCacheClusters=2, EngineVersion="7.1", PreferredMaintenanceWindow="mon:01:00-mon:02:00")
        self.assertEqual(made["Status"], "creating")
        self.assertEqual(made["MemberClusters"], ["rg1-001", "rg1-002"])
        ng = made["NodeGroups"][0]
        self.assertTrue(ng["PrimaryEndpoint"]["Address"].startswith("master.rg1."))
        self.assertTrue(ng["ReaderEndpoint"]["Address"].startswith("replica.rg1."))
        self.assertRefused(
            "InvalidReplicationGroupState",
            self.cache.modify_replication_group,
            ReplicationGroupId="rg1",
            ReplicationGroupDescription="x",
        )
        self.settle("rg1")
        member = self.cache.describe_cache_clusters(CacheClusterId="rg1-002")["CacheClusters"][0]
        self.assertEqual(member["ReplicationGroupId"], "rg1")
        self.assertEqual(member["EngineVersion"], "7.1")
        self.assertEqual(member["CacheSubnetGroupName"], "cache")
        self.assertEqual(member["PreferredMaintenanceWindow"], "mon:01:00-mon:02:00")
        self.assertEqual(member["CacheParameterGroup"]["CacheParameterGroupName"], "default.redis7")

        out = self.cache.modify_replication_group(
            ReplicationGroupId="rg1", SnapshotRetentionLimit=3, EngineVersion="7.2", ApplyImmediately=False
        )["ReplicationGroup"]
        self.assertEqual(out["Status"], "modifying")
        member = self.cache.describe_cache_clusters(CacheClusterId="rg1-001")["CacheClusters"][0]
        self.assertEqual(member["PendingModifiedValues"]["EngineVersion"], "7.2")
        self.settle("rg1")
        self.assertEqual(self.group("rg1")["SnapshotRetentionLimit"], 3)

        self.cache.increase_replica_count(ReplicationGroupId="rg1", NewReplicaCount=2, ApplyImmediately=True)
        self.assertEqual(self.group("rg1")["MemberClusters"], ["rg1-001", "rg1-002", "rg1-003"])
        self.assertRefused(
            "InvalidReplicationGroupState",
            self.cache.decrease_replica_count,
            ReplicationGroupId="rg1",
            NewReplicaCount=1,
            ApplyImmediately=True,
        )
        self.settle("rg1")
        self.cache.decrease_replica_count(ReplicationGroupId="rg1", NewReplicaCount=1, ApplyImmediately=True)
        self.assertRefused("CacheClusterNotFound", self.cache.describe_cache_clusters, CacheClusterId="rg1-003")
        self.settle("rg1")

        self.assertEqual(self.cache.delete_replication_group(ReplicationGroupId="rg1")["ReplicationGroup"]["Status"], "deleting")
        self.assertRefused("CacheSubnetGroupInUse", self.cache.delete_cache_subnet_group, CacheSubnetGroupName="cache")
        self.wait_until(lambda: not self.cache.describe_replication_groups()["ReplicationGroups"], what="gone")
        self.assertRefused("ReplicationGroupNotFoundFault", self.group, "rg1")
        self.assertEqual(self.cache.describe_cache_clusters()["CacheClusters"], [])
        self.cache.delete_cache_subnet_group(CacheSubnetGroupName="cache")

    def test_cluster_mode_enabled_shards(self):
        made = self.create("rg2", ClusterMode="enabled", NumNodeGroups=2, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True)
        self.assertTrue(made["ClusterEnabled"])
        self.assertEqual(len(made["NodeGroups"]), 2)
        self.assertEqual(made["MemberClusters"], ["rg2-0001-001", "rg2-0001-002", "rg2-0002-001", "rg2-0002-002"])
        self.assertTrue(made["ConfigurationEndpoint"]["Address"].startswith("clustercfg.rg2."))
        self.settle("rg2")
        member = self.cache.describe_cache_clusters(CacheClusterId="rg2-0002-002")["CacheClusters"][0]
        self.assertEqual(member["CacheParameterGroup"]["CacheParameterGroupName"], "default.redis7.cluster.on")

    def test_auth_token_needs_transit_encryption_and_a_strategy(self):
        self.assertRefused("InvalidParameterValue", self.create, "rg3", AuthToken="a-very-long-token-123")
        self.assertRefused(
            "InvalidParameterCombination", self.create, "rg3", NumCacheClusters=2, MultiAZEnabled=True
        )
        made = self.create("rg3", TransitEncryptionEnabled=True, AuthToken="a-very-long-token-123")
        self.assertTrue(made["AuthTokenEnabled"])
        self.assertNotIn("a-very-long-token", str(made))
        self.settle("rg3")
        self.assertRefused(
            "InvalidParameterValue",
            self.cache.modify_replication_group,
            ReplicationGroupId="rg3",
            AuthToken="another-long-token-456",
        )
        self.cache.modify_replication_group(
            ReplicationGroupId="rg3", AuthToken="another-long-token-456", AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True
        )
        self.assertNotIn("another-long-token", str(self.group("rg3")))
