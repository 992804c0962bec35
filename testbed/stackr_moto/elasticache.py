"""ElastiCache cache clusters and cache subnet groups, as the AWS API reference describes them.

moto 5.2 keeps a cache cluster's bare settings only. This module adds:

- Cache nodes. A cluster has ``NumCacheNodes`` nodes with ids ``0001``,
  ``0002``, ..., each with status, creation time, zone and an endpoint
  ``<cluster>.<hash>.<nnnn>.<region short>.cache.amazonaws.com`` on the
  cluster's port (``apne1`` for ap-northeast-1). A memcached cluster also has
  a ``ConfigurationEndpoint`` ``<cluster>.<hash>.cfg.<region short>...``.
  ``DescribeCacheClusters`` lists the nodes only with ``ShowCacheNodeInfo``.
  Node zones follow ``PreferredAvailabilityZones`` when given; otherwise a
  ``cross-az`` cluster spreads its nodes over its subnet group's zones and a
  ``single-az`` one keeps them in one zone. ``PreferredAvailabilityZone`` is
  ``Multiple`` while the nodes are in several zones, else the nodes' zone
  (a ``cross-az`` cluster down to one node reads its zone).
- ``SecurityGroups`` (id, ``active``) and ``CacheParameterGroup`` (the
  engine's ``default.memcached1.6`` / ``default.redis7`` when none is named)
  in the cluster description; AWS's defaults for port (11211 for memcached,
  moto says 6379), engine version and maintenance window.
- Status changes take time: a new cluster is ``creating`` and a modified one
  ``modifying`` for ``BUSY_SECONDS`` before ``available``, so readiness waits
  are exercised.
- ``DeleteCacheCluster``: ``deleting``, then gone after ``BUSY_SECONDS``
  (moto keeps it ``deleting`` forever); tags go with it. A cluster that is
  not ``available`` cannot be deleted or modified
  (``InvalidCacheClusterState``).
- ``CreateCacheCluster`` checks that the named cache subnet group exists.
- ``ModifyCacheCluster`` (missing in moto): ``NumCacheNodes`` grows the
  cluster by new node ids (zones from ``NewAvailabilityZones``) and shrinks it
  by exactly the ``CacheNodeIdsToRemove`` (required, and their count must be
  the difference, as AWS documents); ``SecurityGroupIds``,
  ``CacheParameterGroupName``, ``PreferredMaintenanceWindow`` change at once;
  ``NumCacheNodes``, ``EngineVersion`` and ``CacheNodeType`` wait in
  ``PendingModifiedValues`` unless ``ApplyImmediately`` (which also applies
  what was pending). Engine versions only go up.
- ``DeleteCacheSubnetGroup`` (missing in moto): ``CacheSubnetGroupInUse``
  while a cluster uses the group, ``CacheSubnetGroupNotFoundFault`` when
  there is none.
- ``ModifyCacheSubnetGroup`` (missing in moto): description and subnets.

Replication groups (Redis OSS / Valkey), which moto keeps as bare settings:

- Member clusters. Each member of a replication group is a cache cluster
  (``DescribeCacheClusters`` finds it, with ``ReplicationGroupId``), as on
  AWS: the settings the ReplicationGroup shape lacks (engine version,
  parameter group, subnet group, security groups, maintenance window) are
  read from them. Cluster mode disabled has ``NumCacheClusters`` members
  (moto ignores it and makes ``ReplicasPerNodeGroup + 1``): ``<id>-001``
  the primary, then replicas; cluster mode enabled has ``<id>-<shard>-<n>``.
  A node group has a ``ReaderEndpoint`` (moto gives only a bare address).
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ReplicationGroup.html
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_NodeGroup.html
- ``Status``: ``creating`` then ``available``, ``modifying`` after a change,
  ``deleting`` then gone (``ReplicationGroupNotFoundFault``; moto keeps it
  ``deleting`` forever), each for ``BUSY_SECONDS``; the members are
  ``deleting`` with their group and go with it (so the subnet group stays in
  use until then). ModifyReplicationGroup, Increase/DecreaseReplicaCount
  and DeleteReplicationGroup are refused with ``InvalidReplicationGroupState``
  unless the group is ``available``.
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html
- ``CreateReplicationGroup`` refuses what AWS refuses up front: Multi-AZ
  without automatic failover (``InvalidParameterCombination``), an AUTH token
  without in-transit encryption (``InvalidParameterValue``).
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
- ``ModifyReplicationGroup`` (moto's changes only a few fields): also engine
  version (up only), node type (both wait in the members'
  ``PendingModifiedValues`` unless ``ApplyImmediately``), security groups,
  parameter group, maintenance and snapshot windows, and the AUTH token
  (``AuthTokenUpdateStrategy`` required with it, in-transit encryption
  required), which is never shown back.
- ``IncreaseReplicaCount`` / ``DecreaseReplicaCount`` (missing in moto):
  ``NewReplicaCount`` replicas in every node group, ``ApplyImmediately``
  must be true; the group is ``modifying`` meanwhile.
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_IncreaseReplicaCount.html
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DecreaseReplicaCount.html
"""

import random
import string
import threading
import time

from moto.core.utils import utcnow
from moto.elasticache import exceptions as exc
from moto.elasticache.models import CacheCluster, CacheSubnetGroup, ElastiCacheBackend, ReplicationGroup
from moto.elasticache.responses import ActionResult, EmptyResult, ElastiCacheResponse, PaginatedResult

from ._util import add_method
from ._util import wrap_method as _wrap

#: How long a cluster stays ``creating``, ``modifying`` or ``deleting``.
BUSY_SECONDS = 0.5

_DIRECTIONS = {
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
}

_lock = threading.RLock()


class CacheClusterNotAvailable(exc.ElastiCacheException):
    code = "InvalidCacheClusterState"


class CacheSubnetGroupInUse(exc.ElastiCacheException):
    code = "CacheSubnetGroupInUse"


class ReplicationGroupNotAvailable(exc.ElastiCacheException):
    code = "InvalidReplicationGroupState"


def region_short(region):
    """``ap-northeast-1`` -> ``apne1``, ``us-east-1`` -> ``use1``."""
    parts = region.split("-")
    if len(parts) < 3:
        return region.replace("-", "")
    return parts[0] + _DIRECTIONS.get(parts[1], parts[1][:1]) + parts[-1]



def _version(v):
    return tuple(int(p) if p.isdigit() else 0 for p in str(v or "0").split("."))


# --- the cluster's status, nodes and descriptions -------------------------


def _status_get(self):
    busy = self.__dict__.get("_stackr_busy")
    if busy and time.monotonic() < busy[1]:
        return busy[0]
    if busy and busy[0] != "deleting":
        self.__dict__["_stackr_busy"] = None
    if busy and busy[0] == "deleting":
        return "deleted"
    return self.__dict__.get("_stackr_status", "available")


def _status_set(self, value):
    if value in ("creating", "modifying", "deleting"):
        self.__dict__["_stackr_busy"] = (value, time.monotonic() + BUSY_SECONDS)
    else:
        self.__dict__["_stackr_status"] = value


def _busy(cluster, status):
    _status_set(cluster, status)


def _gone(cluster):
    return cluster.cache_cluster_status == "deleted"


def _endpoint_host(cluster, part):
    return f"{cluster.cache_cluster_id}.{cluster._stackr_hash}.{part}.{region_short(cluster._stackr_region)}.cache.amazonaws.com"


def _new_node(cluster, zone):
    used = [int(n["CacheNodeId"]) for n in cluster._stackr_nodes]
    number = max(used, default=0) + 1
    node_id = f"{number:04d}"
    return {
        "CacheNodeId": node_id,
        "CacheNodeStatus": "available",
        "CacheNodeCreateTime": utcnow(),
        "Endpoint": {"Address": _endpoint_host(cluster, node_id), "Port": cluster.port},
        "ParameterGroupStatus": "in-sync",
        "CustomerAvailabilityZone": zone,
    }


def _zones_for(backend, cluster, count, wanted):
    """The zones of ``count`` new nodes: ``wanted`` first, then by AZ mode."""
    zones = list(wanted or [])[:count]
    group = backend.cache_subnet_groups.get(cluster.cache_subnet_group_name or "")
    group_zones = sorted(
        {
            s.get("subnet_availability_zone") or (s.get("Subnet_availability_zone") or {}).get("Name")
            for s in (group.subnets if group else [])
        }
        - {None}
    ) or [f"{backend.region_name}a"]
    existing = [n["CustomerAvailabilityZone"] for n in cluster._stackr_nodes]
    located = cluster.preferred_availability_zone
    single = located if located and located != "Multiple" else (existing[0] if existing else group_zones[0])
    while len(zones) < count:
        if cluster.az_mode == "cross-az":
            placed = existing + zones
            zones.append(min(group_zones, key=lambda z: (placed.count(z), z)))
        else:
            zones.append(single)
    return zones


def _locate(cluster):
    """``PreferredAvailabilityZone`` as AWS reports it: "The name of the
    Availability Zone in which the cluster is located or "Multiple" if the
    cache nodes are located in different Availability Zones"
    (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheCluster.html),
    from where the nodes are, after a create or a change of nodes."""
    zones = sorted({n["CustomerAvailabilityZone"] for n in cluster._stackr_nodes})
    if len(zones) > 1:
        cluster.preferred_availability_zone = "Multiple"
    elif zones:
        cluster.preferred_availability_zone = zones[0]


def _cache_nodes(self):
    return list(self._stackr_nodes)


def _configuration_endpoint(self):
    if self.engine != "memcached":
        return None
    return {"Address": _endpoint_host(self, "cfg"), "Port": self.port}


def _security_groups(self):
    return [{"SecurityGroupId": g, "Status": "active"} for g in self.security_group_ids or []]


def _cache_parameter_group(self):
    name = self.cache_parameter_group_name
    if not name:
        name = "default.memcached1.6" if self.engine == "memcached" else "default.redis7"
    return {"CacheParameterGroupName": name, "ParameterApplyStatus": "in-sync", "CacheNodeIdsToReboot": []}


def _pending_modified_values(self):
    return dict(self.__dict__.get("_stackr_pending") or {})


class _WithoutNodes:
    """A cluster as DescribeCacheClusters shows it without ShowCacheNodeInfo."""

    cache_nodes = None

    def __init__(self, cluster):
        self._cluster = cluster

    def __getattr__(self, name):
        return getattr(self._cluster, name)


def _purge(backend):
    """Forgets clusters and replication groups whose deletion has finished."""
    _purge_groups(backend)
    for cid, cluster in list(backend.cache_clusters.items()):
        if _gone(cluster):
            del backend.cache_clusters[cid]
            backend.tagging_service.delete_all_tags_for_resource(cluster.arn)


def _in_use(backend, group_name):
    return [c.cache_cluster_id for c in backend.cache_clusters.values() if c.cache_subnet_group_name == group_name]


def _available(cluster):
    status = cluster.cache_cluster_status
    if status != "available":
        raise CacheClusterNotAvailable(f"Cache cluster {cluster.cache_cluster_id} is not in available state ({status}).")


def apply():
    CacheCluster.cache_cluster_status = property(_status_get, _status_set)
    CacheCluster.cache_nodes = property(_cache_nodes)
    CacheCluster.configuration_endpoint = property(_configuration_endpoint)
    CacheCluster.security_groups = property(_security_groups)
    CacheCluster.cache_parameter_group = property(_cache_parameter_group)
    CacheCluster.pending_modified_values = property(_pending_modified_values)

    @_wrap(CacheCluster, "__init__")
    def cluster_init(original, self, *args, **kwargs):
        original(self, *args, **kwargs)
        region = kwargs.get("region_name") or (args[1] if len(args) > 1 else "us-east-1")
        if not kwargs.get("port") and self.engine == "memcached":
            self.port = 11211
        self.port = int(self.port)
        if not self.engine_version:
            self.engine_version = "1.6.22" if self.engine == "memcached" else "7.1"
        if not self.preferred_maintenance_window:
            self.preferred_maintenance_window = "sun:05:00-sun:06:00"
        self._stackr_region = region
        self._stackr_nodes = []
        self._stackr_pending = {}
        self._stackr_hash = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(6))
        _busy(self, "creating")

    @_wrap(ElastiCacheBackend, "create_cache_cluster")
    def create_cache_cluster(original, self, **kwargs):
        with _lock:
            _purge(self)
            group = kwargs.get("cache_subnet_group_name")
            if group and group not in self.cache_subnet_groups:
                raise exc.CacheSubnetGroupNotFound(group)
            cluster = original(self, **kwargs)
            zones = _zones_for(self, cluster, cluster.num_cache_nodes, kwargs.get("preferred_availability_zones"))
            for zone in zones:
                cluster._stackr_nodes.append(_new_node(cluster, zone))
            _locate(cluster)
            return cluster

    @_wrap(ElastiCacheBackend, "describe_cache_clusters")
    def describe_cache_clusters(original, self, *args, **kwargs):
        with _lock:
            _purge(self)
            return original(self, *args, **kwargs)

    @_wrap(ElastiCacheBackend, "delete_cache_cluster")
    def delete_cache_cluster(original, self, cache_cluster_id):
        with _lock:
            _purge(self)
            cluster = self.cache_clusters.get(cache_cluster_id)
            if cluster is None:
                raise exc.CacheClusterNotFound(cache_cluster_id)
            if cluster.cache_cluster_status == "deleting":
                return cluster
            _available(cluster)
            _busy(cluster, "deleting")
            return cluster

    @_wrap(ElastiCacheResponse, "describe_cache_clusters")
    def describe_response(original, self):
        if str(self._get_param("ShowCacheNodeInfo", False)).lower() == "true":
            return original(self)
        clusters = self.elasticache_backend.describe_cache_clusters(self._get_param("CacheClusterId"))
        return PaginatedResult({"CacheClusters": [_WithoutNodes(c) for c in clusters]})

    @add_method(ElastiCacheBackend, "modify_cache_cluster")
    def modify_cache_cluster(self, cache_cluster_id, params):
        with _lock:
            _purge(self)
            cluster = self.cache_clusters.get(cache_cluster_id)
            if cluster is None:
                raise exc.CacheClusterNotFound(cache_cluster_id)
            _available(cluster)
            immediately = str(params.get("ApplyImmediately", False)).lower() == "true"
            pending = dict(cluster._stackr_pending)

            num = params.get("NumCacheNodes")
            to_remove = list(params.get("CacheNodeIdsToRemove") or [])
            if num is not None:
                num = int(num)
                current = len(cluster._stackr_nodes)
                if cluster.engine == "memcached" and not 1 <= num <= 60:
                    raise exc.InvalidParameterValueException("NumCacheNodes must be between 1 and 60.")
                if num < current:
                    ids = {n["CacheNodeId"] for n in cluster._stackr_nodes}
                    if len(to_remove) != current - num or not set(to_remove) <= ids:
                        raise exc.InvalidParameterValueException(
                            f"Cannot reduce the number of cache nodes from {current} to {num}: "
                            f"CacheNodeIdsToRemove must name {current - num} existing cache node(s)."
                        )
                elif to_remove:
                    raise exc.InvalidParameterCombinationException(
                        "CacheNodeIdsToRemove is only valid when NumCacheNodes reduces the number of nodes."
                    )
                if num != current:
                    pending["NumCacheNodes"] = num
                    pending["CacheNodeIdsToRemove"] = to_remove
                    pending["_NewAvailabilityZones"] = list(params.get("NewAvailabilityZones") or [])
                else:
                    pending.pop("NumCacheNodes", None)
                    pending.pop("CacheNodeIdsToRemove", None)
            version = params.get("EngineVersion")
            if version and version != cluster.engine_version:
                if _version(version) < _version(cluster.engine_version):
                    raise exc.InvalidParameterValueException(
                        f"Cannot downgrade the engine from {cluster.engine_version} to {version}."
                    )
                pending["EngineVersion"] = version
            node_type = params.get("CacheNodeType")
            if node_type and node_type != cluster.cache_node_type:
                pending["CacheNodeType"] = node_type

            if params.get("SecurityGroupIds") is not None:
                cluster.security_group_ids = list(params["SecurityGroupIds"])
            if params.get("CacheParameterGroupName"):
                cluster.cache_parameter_group_name = params["CacheParameterGroupName"]
            if params.get("PreferredMaintenanceWindow"):
                cluster.preferred_maintenance_window = params["PreferredMaintenanceWindow"]
            if params.get("AZMode"):
                cluster.az_mode = params["AZMode"]

            if immediately:
                _apply_pending(self, cluster, pending)
                pending = {}
            cluster._stackr_pending = {k: v for k, v in pending.items() if not k.startswith("_")}
            cluster._stackr_pending_zones = pending.get("_NewAvailabilityZones", [])
            _busy(cluster, "modifying")
            return cluster

    def _apply_pending(backend, cluster, pending):
        num = pending.get("NumCacheNodes")
        if num is not None:
            removed = set(pending.get("CacheNodeIdsToRemove") or [])
            cluster._stackr_nodes = [n for n in cluster._stackr_nodes if n["CacheNodeId"] not in removed]
            added = num - len(cluster._stackr_nodes)
            if added > 0:
                wanted = pending.get("_NewAvailabilityZones") or getattr(cluster, "_stackr_pending_zones", [])
                for zone in _zones_for(backend, cluster, added, wanted):
                    cluster._stackr_nodes.append(_new_node(cluster, zone))
            cluster.num_cache_nodes = len(cluster._stackr_nodes)
        _locate(cluster)
        if pending.get("EngineVersion"):
            cluster.engine_version = pending["EngineVersion"]
        if pending.get("CacheNodeType"):
            cluster.cache_node_type = pending["CacheNodeType"]

    @add_method(ElastiCacheResponse, "modify_cache_cluster")
    def modify_response(self):
        cluster = self.elasticache_backend.modify_cache_cluster(self._get_param("CacheClusterId"), self._get_params())
        return ActionResult({"CacheCluster": _WithoutNodes(cluster)})

    @add_method(ElastiCacheBackend, "delete_cache_subnet_group")
    def delete_cache_subnet_group(self, name):
        with _lock:
            _purge(self)
            group = self.cache_subnet_groups.get(name)
            if group is None:
                raise exc.CacheSubnetGroupNotFound(name)
            users = _in_use(self, name)
            if users:
                raise CacheSubnetGroupInUse(f"Cache subnet group {name} is currently in use by a cache cluster ({', '.join(users)}).")
            del self.cache_subnet_groups[name]
            self.tagging_service.delete_all_tags_for_resource(group.arn)

    @add_method(ElastiCacheResponse, "delete_cache_subnet_group")
    def delete_group_response(self):
        self.elasticache_backend.delete_cache_subnet_group(self._get_param("CacheSubnetGroupName"))
        return EmptyResult()

    @add_method(ElastiCacheBackend, "modify_cache_subnet_group")
    def modify_cache_subnet_group(self, name, description, subnet_ids):
        with _lock:
            group = self.cache_subnet_groups.get(name)
            if group is None:
                raise exc.CacheSubnetGroupNotFound(name)
            if subnet_ids:
                fresh = CacheSubnetGroup(
                    account_id=self.account_id,
                    region_name=self.region_name,
                    cache_subnet_group_name=name,
                    cache_subnet_group_description=group.cache_subnet_group_description,
                    subnet_ids=list(subnet_ids),
                    tags=None,
                )
                fresh.arn = group.arn
                fresh.tags = group.tags
                group = fresh
                self.cache_subnet_groups[name] = group
            if description:
                group.cache_subnet_group_description = description
            return group

    @add_method(ElastiCacheResponse, "modify_cache_subnet_group")
    def modify_group_response(self):
        group = self.elasticache_backend.modify_cache_subnet_group(
            self._get_param("CacheSubnetGroupName"),
            self._get_param("CacheSubnetGroupDescription"),
            self._get_param("SubnetIds"),
        )
        return ActionResult({"CacheSubnetGroup": group})

    _apply_replication_groups()


# --- replication groups ---------------------------------------------------


def _purge_groups(backend):
    """Forgets replication groups whose deletion has finished, their member
    clusters and tags with them."""
    for gid, group in list(getattr(backend, "replication_groups", {}).items()):
        if group.status == "deleted":
            del backend.replication_groups[gid]
            backend.tagging_service.delete_all_tags_for_resource(group.arn)
            for cid in list(group.member_clusters):
                member = backend.cache_clusters.pop(cid, None)
                if member is not None:
                    backend.tagging_service.delete_all_tags_for_resource(member.arn)


def _group_available(group):
    if group.status != "available":
        raise ReplicationGroupNotAvailable(
            f"Replication group {group.replication_group_id} is not in available state ({group.status})."
        )


def _group_domain(group):
    return f"{group.replication_group_id}.{group._stackr_hash}.{region_short(group._stackr_region)}.cache.amazonaws.com"


def _member(group, cluster_id, role, zone):
    node = {
        "cache_cluster_id": cluster_id,
        "cache_node_id": "0001",
        "preferred_availability_zone": zone,
    }
    if group.cluster_mode != "enabled":
        node["read_endpoint"] = {"address": f"{cluster_id}.{_group_domain(group)}", "port": group.port}
        node["current_role"] = role
    return node


def _layout(backend, group, replicas):
    """Node groups with ``replicas`` replicas each; creates member clusters
    that are new and deletes those no longer listed."""
    zones = sorted({f"{backend.region_name}{z}" for z in "acd"})
    before = list(group.member_clusters)
    members = []
    for ng in group.node_groups:
        shard = ng["node_group_id"]
        ids = (
            [f"{group.replication_group_id}-{shard}-{n:03d}" for n in range(1, replicas + 2)]
            if group.cluster_mode == "enabled"
            else [f"{group.replication_group_id}-{n:03d}" for n in range(1, replicas + 2)]
        )
        ng["node_group_members"] = [
            _member(group, cid, "primary" if i == 0 else "replica", zones[i % len(zones)]) for i, cid in enumerate(ids)
        ]
        if group.cluster_mode != "enabled":
            domain = _group_domain(group)
            ng["primary_endpoint"] = {"address": f"master.{domain}", "port": group.port}
            ng["reader_endpoint"] = {"address": f"replica.{domain}", "port": group.port}
        members.extend(ids)
    group.member_clusters = members
    settings = group._stackr_settings
    for cid in members:
        if cid in before and cid in backend.cache_clusters:
            continue
        cluster = backend.create_cache_cluster(
            cache_cluster_id=cid,
            replication_group_id=group.replication_group_id,
            az_mode=None,
            preferred_availability_zone=None,
            num_cache_nodes=1,
            cache_node_type=group.cache_node_type,
            engine="redis",
            engine_version=settings["engine_version"],
            cache_parameter_group_name=settings["parameter_group"],
            cache_subnet_group_name=group.cache_subnet_group_name,
            transit_encryption_enabled=group.transit_encryption_enabled,
            network_type=group.network_type,
            ip_discovery=None,
            snapshot_name=None,
            preferred_maintenance_window=settings["maintenance_window"],
            port=group.port,
            notification_topic_arn=None,
            auto_minor_version_upgrade=None,
            snapshot_retention_limit=None,
            snapshot_window=None,
            auth_token=None,
            outpost_mode=None,
            preferred_outpost_arn=None,
            preferred_availability_zones=None,
            cache_security_group_names=None,
            security_group_ids=settings["security_group_ids"],
            tags=None,
            snapshot_arns=None,
            preferred_outpost_arns=None,
            log_delivery_configurations=[],
            cache_node_ids_to_remove=None,
            cache_node_ids_to_reboot=None,
        )
        cluster.engine = group.engine
        cluster.replication_group_id = group.replication_group_id
    for cid in before:
        if cid not in members:
            gone = backend.cache_clusters.pop(cid, None)
            if gone is not None:
                backend.tagging_service.delete_all_tags_for_resource(gone.arn)


def _members(backend, group):
    return [backend.cache_clusters[c] for c in group.member_clusters if c in backend.cache_clusters]


def _replicas(group):
    return max(len(group.node_groups[0]["node_group_members"]) - 1, 0) if group.node_groups else 0


def _true(value):
    return str(value).lower() == "true"


def _apply_replication_groups():
    ReplicationGroup.status = property(_status_get, _status_set)

    @_wrap(ElastiCacheBackend, "create_replication_group")
    def create_replication_group(original, self, **kwargs):
        with _lock:
            _purge(self)
            if kwargs.get("multi_az_enabled") and not kwargs.get("automatic_failover_enabled"):
                raise exc.InvalidParameterCombinationException(
                    "Multi-AZ requires automatic failover: AutomaticFailoverEnabled must be true."
                )
            if kwargs.get("auth_token") and not kwargs.get("transit_encryption_enabled"):
                raise exc.InvalidParameterValueException(
                    "TransitEncryptionEnabled must be true when an AuthToken is given."
                )
            subnet_group = kwargs.get("cache_subnet_group_name")
            if subnet_group and subnet_group not in self.cache_subnet_groups:
                raise exc.CacheSubnetGroupNotFound(subnet_group)
            group = original(self, **kwargs)
            engine = group.engine
            enabled = group.cluster_mode == "enabled"
            family = "default.valkey8" if engine == "valkey" else "default.redis7"
            group._stackr_region = self.region_name
            group._stackr_hash = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(6))
            group._stackr_settings = {
                "engine_version": kwargs.get("engine_version") or ("8.0" if engine == "valkey" else "7.1"),
                "parameter_group": kwargs.get("cache_parameter_group_name")
                or (family + (".cluster.on" if enabled else "")),
                "maintenance_window": kwargs.get("preferred_maintenance_window") or "sun:05:00-sun:06:00",
                "security_group_ids": list(kwargs.get("security_group_ids") or []),
            }
            group.port = int(group.port)
            group.snapshot_window = kwargs.get("snapshot_window") or "05:00-06:00"
            if enabled:
                group.configuration_endpoint = {"address": f"clustercfg.{_group_domain(group)}", "port": group.port}
                replicas = kwargs.get("replicas_per_node_group") or 0
            else:
                count = kwargs.get("num_cache_clusters") or (kwargs.get("replicas_per_node_group") or 0) + 1
                replicas = int(count) - 1
            _layout(self, group, int(replicas))
            _busy(group, "creating")
            return group

    @_wrap(ElastiCacheBackend, "describe_replication_groups")
    def describe_replication_groups(original, self, *args, **kwargs):
        with _lock:
            _purge(self)
            return original(self, *args, **kwargs)

    def _group(backend, gid):
        _purge(backend)
        group = backend.replication_groups.get(gid)
        if group is None:
            raise exc.ReplicationGroupNotFound(gid)
        return group

    @_wrap(ElastiCacheBackend, "delete_replication_group")
    def delete_replication_group(original, self, replication_group_id, retain_primary_cluster=None):
        with _lock:
            group = _group(self, replication_group_id)
            if group.status == "deleting":
                return group
            _group_available(group)
            _busy(group, "deleting")
            for member in _members(self, group):
                member.__dict__["_stackr_busy"] = ("deleting", float("inf"))
            return group

    @_wrap(ElastiCacheResponse, "modify_replication_group")
    def modify_response(original, self):
        group = self.elasticache_backend.stackr_modify_replication_group(
            self._get_param("ReplicationGroupId"), self._get_params()
        )
        return ActionResult({"ReplicationGroup": group})

    @add_method(ElastiCacheBackend, "stackr_modify_replication_group")
    def modify_replication_group(self, gid, params):
        with _lock:
            group = _group(self, gid)
            _group_available(group)
            immediately = _true(params.get("ApplyImmediately", False))
            members = _members(self, group)
            token = params.get("AuthToken")
            if token is not None:
                if not params.get("AuthTokenUpdateStrategy"):
                    raise exc.InvalidParameterValueException("AuthTokenUpdateStrategy is required with AuthToken.")
                if not group.transit_encryption_enabled:
                    raise exc.InvalidParameterValueException(
                        "The AUTH token can only be set on a replication group with in-transit encryption."
                    )
            failover = params.get("AutomaticFailoverEnabled")
            multi_az = params.get("MultiAZEnabled")
            failover_on = _true(failover) if failover is not None else group.automatic_failover == "enabled"
            if multi_az is not None and _true(multi_az) and not failover_on:
                raise exc.InvalidParameterCombinationException("Multi-AZ requires automatic failover.")
            version = params.get("EngineVersion")
            settings = group._stackr_settings
            if version and _version(version) < _version(settings["engine_version"]):
                raise exc.InvalidParameterValueException(
                    f"Cannot downgrade the engine from {settings['engine_version']} to {version}."
                )

            if params.get("ReplicationGroupDescription") is not None:
                group.description = params["ReplicationGroupDescription"]
            if params.get("Engine"):
                group.engine = params["Engine"]
                for m in members:
                    m.engine = params["Engine"]
            if failover is not None:
                group.automatic_failover = "enabled" if _true(failover) else "disabled"
            if multi_az is not None:
                group.multi_az = "enabled" if _true(multi_az) else "disabled"
            if params.get("SnapshotRetentionLimit") is not None:
                group.snapshot_retention_limit = int(params["SnapshotRetentionLimit"])
            if params.get("SnapshotWindow"):
                group.snapshot_window = params["SnapshotWindow"]
            if params.get("PreferredMaintenanceWindow"):
                settings["maintenance_window"] = params["PreferredMaintenanceWindow"]
                for m in members:
                    m.preferred_maintenance_window = params["PreferredMaintenanceWindow"]
            if params.get("SecurityGroupIds") is not None:
                settings["security_group_ids"] = list(params["SecurityGroupIds"])
                for m in members:
                    m.security_group_ids = list(params["SecurityGroupIds"])
            if params.get("CacheParameterGroupName"):
                settings["parameter_group"] = params["CacheParameterGroupName"]
                for m in members:
                    m.cache_parameter_group_name = params["CacheParameterGroupName"]
            if token is not None:
                group.auth_token_enabled = True
                group.auth_token_last_modified_date = utcnow()
            node_type = params.get("CacheNodeType")
            for key, value in (("EngineVersion", version), ("CacheNodeType", node_type)):
                if not value:
                    continue
                if immediately:
                    if key == "EngineVersion":
                        settings["engine_version"] = value
                    else:
                        group.cache_node_type = value
                    for m in members:
                        setattr(m, "engine_version" if key == "EngineVersion" else "cache_node_type", value)
                        m._stackr_pending.pop(key, None)
                else:
                    for m in members:
                        m._stackr_pending[key] = value
            _busy(group, "modifying")
            return group

    def _replica_count(backend, gid, params, grow):
        with _lock:
            group = _group(backend, gid)
            if not _true(params.get("ApplyImmediately", False)):
                raise exc.InvalidParameterValueException("ApplyImmediately=False is not currently supported.")
            _group_available(group)
            count = params.get("NewReplicaCount")
            if count is None:
                raise exc.InvalidParameterValueException("NewReplicaCount is required.")
            count = int(count)
            have = _replicas(group)
            if (grow and count <= have) or (not grow and count >= have) or not 0 <= count <= 5:
                raise exc.InvalidParameterValueException(
                    f"NewReplicaCount {count} must be {'more' if grow else 'fewer'} than the {have} replicas now, "
                    "between 0 and 5."
                )
            if not grow and count == 0 and group.automatic_failover == "enabled" and group.cluster_mode != "enabled":
                raise exc.InvalidParameterCombinationException(
                    "A replication group with automatic failover needs at least one replica."
                )
            _layout(backend, group, count)
            _busy(group, "modifying")
            return group

    @add_method(ElastiCacheBackend, "increase_replica_count")
    def increase_replica_count(self, gid, params):
        return _replica_count(self, gid, params, True)

    @add_method(ElastiCacheBackend, "decrease_replica_count")
    def decrease_replica_count(self, gid, params):
        return _replica_count(self, gid, params, False)

    @add_method(ElastiCacheResponse, "increase_replica_count")
    def increase_response(self):
        group = self.elasticache_backend.increase_replica_count(
            self._get_param("ReplicationGroupId"), self._get_params()
        )
        return ActionResult({"ReplicationGroup": group})

    @add_method(ElastiCacheResponse, "decrease_replica_count")
    def decrease_response(self):
        group = self.elasticache_backend.decrease_replica_count(
            self._get_param("ReplicationGroupId"), self._get_params()
        )
        return ActionResult({"ReplicationGroup": group})
