"""A memcached cluster changed from single-az to cross-az in place
(ModifyCacheCluster ``AZMode``: "If cross-az is specified, existing
Memcached nodes remain in their current Availability Zone",
https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyCacheCluster.html):
the nodes added go to other zones, and ``PreferredAvailabilityZone`` reads
``Multiple`` once they span zones."""

from .realistic_base import RealisticCase


class AzModeTest(RealisticCase):
    REALISTIC = False

    def setUp(self):
        super().setUp()
        self.cache = self.client("elasticache")
        self.cache.create_cache_subnet_group(
            CacheSubnetGroupName="cache", CacheSubnetGroupDescription="cache", SubnetIds=self.subnets()
        )

    def cluster(self, cid):
        return self.cache.describe_cache_clusters(CacheClusterId=cid, ShowCacheNodeInfo=True)["CacheClusters"][0]

    def test_single_az_to_cross_az_in_place(self):
        self.cache.create_cache_cluster(
            CacheClusterId="mc", Engine="memcached", CacheNodeType="cache.t4g.micro", NumCacheNodes=1,
            CacheSubnetGroupName="cache",
        )
        self.wait_until(lambda: self.cluster("mc")["CacheClusterStatus"] == "available", what="available")
        self.assertNotEqual(self.cluster("mc")["PreferredAvailabilityZone"], "Multiple")
        self.cache.modify_cache_cluster(CacheClusterId="mc", NumCacheNodes=2, AZMode="cross-az", ApplyImmediately=True)
        self.wait_until(lambda: self.cluster("mc")["CacheClusterStatus"] == "available", what="available")
        live = self.cluster("mc")
        self.assertEqual(len(live["CacheNodes"]), 2)
        self.assertEqual(len({n["CustomerAvailabilityZone"] for n in live["CacheNodes"]}), 2)
        self.assertEqual(live["PreferredAvailabilityZone"], "Multiple")

    def test_down_to_one_node_reads_its_zone(self):
        self.cache.create_cache_cluster(
            CacheClusterId="two", Engine="memcached", CacheNodeType="cache.t4g.micro", NumCacheNodes=2,
            AZMode="cross-az", CacheSubnetGroupName="cache",
        )
        self.wait_until(lambda: self.cluster("two")["CacheClusterStatus"] == "available", what="available")
        self.assertEqual(self.cluster("two")["PreferredAvailabilityZone"], "Multiple")
        self.cache.modify_cache_cluster(
            CacheClusterId="two", NumCacheNodes=1, CacheNodeIdsToRemove=["0002"], ApplyImmediately=True
        )
        self.wait_until(lambda: self.cluster("two")["CacheClusterStatus"] == "available", what="available")
        live = self.cluster("two")
        self.assertEqual(live["PreferredAvailabilityZone"], live["CacheNodes"][0]["CustomerAvailabilityZone"])
