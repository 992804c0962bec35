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
  ``Multiple`` for a ``cross-az`` cluster, else the nodes' zone.
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
"""

import random
import string
import threading
import time

from moto.core.utils import utcnow
from moto.elasticache import exceptions as exc
from moto.elasticache.models import CacheCluster, CacheSubnetGroup, ElastiCacheBackend
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
    single = cluster.preferred_availability_zone or (existing[0] if existing else group_zones[0])
    while len(zones) < count:
        if cluster.az_mode == "cross-az":
            placed = existing + zones
            zones.append(min(group_zones, key=lambda z: (placed.count(z), z)))
        else:
            zones.append(single)
    return zones


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
    """Forgets clusters whose deletion has finished."""
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
            if cluster.az_mode == "cross-az":
                cluster.preferred_availability_zone = "Multiple"
            elif not cluster.preferred_availability_zone and zones:
                cluster.preferred_availability_zone = zones[0]
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
