"""ElastiCache cache clusters at AWS's pace (realistic mode).

The default mode (``stackr_moto.elasticache``) already gives a cluster the
states ``creating``, ``modifying`` and ``deleting``, for half a second each,
and AWS's refusals; here they last as long as on AWS:

- A new cache cluster is ``creating`` for a drawn 5-10 AWS minutes, then
  ``available``; its nodes' CacheNodeStatus is ``creating`` meanwhile (a
  value AWS documents for nodes). AWS does not document the endpoints as
  missing while a cluster is created, so they are given from the start.
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheCluster.html
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheCluster.html
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheNode.html
- ModifyCacheCluster is refused with ``InvalidCacheClusterState`` (HTTP 400,
  "The requested cluster is not in the available state") unless the
  cluster is ``available``; an accepted one puts it in ``modifying`` for a
  drawn 1-4 AWS minutes.
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyCacheCluster.html
- DeleteCacheCluster is refused with ``InvalidCacheClusterState`` while the
  cluster is ``creating`` or ``modifying`` ("This operation is not valid
  for ... A cluster that is not in the available state"); accepted, the
  cluster and its nodes are ``deleting`` for a drawn 3-8 AWS minutes, then
  DescribeCacheClusters answers ``CacheClusterNotFound``.
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheCluster.html
- DeleteCacheSubnetGroup is refused with ``CacheSubnetGroupInUse`` while a
  cluster uses the group, one still ``deleting`` included ("You cannot
  delete ... one that is associated with any clusters"), so for the whole
  drawn deletion above.
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheSubnetGroup.html

- A new replication group (Redis OSS / Valkey) is ``creating`` for a drawn
  10-20 AWS minutes, then ``available``. ModifyReplicationGroup,
  IncreaseReplicaCount and DecreaseReplicaCount are refused with
  ``InvalidReplicationGroupState`` unless the group is ``available``; an
  accepted one puts it in ``modifying`` for a drawn 2-10 AWS minutes (its
  new values show meanwhile, in PendingModifiedValues where AWS puts them).
  DeleteReplicationGroup is refused the same way; accepted, the group is
  ``deleting`` for a drawn 3-10 AWS minutes, then
  ``ReplicationGroupNotFoundFault``.
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html
  https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html

The refusals and the removal of a deleted cluster are the default mode's;
this module only makes each state last AWS's time (through moto's
``cache_cluster_status``, which every reader in this process sees).
"""

import threading

from moto.elasticache.models import CacheCluster, ElastiCacheBackend, ReplicationGroup

from . import clock
from .._util import wrap_method as _wrap

# Drawn durations, in AWS seconds (shared/aws-timings.md).
CREATING = (300, 600)
MODIFYING = (60, 240)
DELETING = (180, 480)
GROUP_CREATING = (600, 1200)
GROUP_MODIFYING = (120, 600)
GROUP_DELETING = (180, 600)

_lock = threading.RLock()



def _start(cluster, state, span):
    """Puts ``cluster`` in ``state`` for a duration drawn from ``span`` (AWS s)."""
    clock.begin(cluster, f"elasticache:{cluster.arn}", state, span)


def _current_phase(cluster):
    """The state of the phase under way, or None once it is over."""
    return clock.current(cluster)


def _status_property(cls=CacheCluster, name="cache_cluster_status"):
    """The status shows the phase while it lasts, then what the default
    mode says (which ends a deletion with ``deleted``)."""
    current = cls.__dict__.get(name)
    if not isinstance(current, property):
        raise RuntimeError(f"stackr_moto: realistic.elasticache needs the default mode's {name}")

    def shown(self):
        return _current_phase(self) or current.fget(self)

    setattr(cls, name, property(shown, current.fset))


def _node_status_property():
    """Nodes are ``creating`` / ``deleting`` with their cluster."""
    current = CacheCluster.__dict__.get("cache_nodes")
    if not isinstance(current, property):
        raise RuntimeError("stackr_moto: realistic.elasticache needs the default mode's cache_nodes")

    def nodes(self):
        listed = current.fget(self)
        state = _current_phase(self)
        if state not in ("creating", "deleting") or not listed:
            return listed
        return [dict(node, CacheNodeStatus=state) for node in listed]

    CacheCluster.cache_nodes = property(nodes)


def apply():
    _status_property()
    _status_property(ReplicationGroup, "status")
    _node_status_property()
    _replication_groups()

    @_wrap(ElastiCacheBackend, "create_cache_cluster")
    def create_cache_cluster(original, self, **kwargs):
        with _lock:
            cluster = original(self, **kwargs)
            _start(cluster, "creating", CREATING)
            return cluster

    # The default mode refuses a cluster that is not `available`
    # (InvalidCacheClusterState); an accepted change starts the phase.
    @_wrap(ElastiCacheBackend, "modify_cache_cluster")
    def modify_cache_cluster(original, self, cache_cluster_id, params):
        with _lock:
            cluster = original(self, cache_cluster_id, params)
            _start(cluster, "modifying", MODIFYING)
            return cluster

    @_wrap(ElastiCacheBackend, "delete_cache_cluster")
    def delete_cache_cluster(original, self, cache_cluster_id):
        with _lock:
            cluster = original(self, cache_cluster_id)
            # A repeated delete of a cluster already going keeps its clock.
            phase = cluster.__dict__.get("_stackr_phase")
            if phase is None or phase[0] != "deleting":
                _start(cluster, "deleting", DELETING)
            return cluster


def _replication_groups():
    @_wrap(ElastiCacheBackend, "create_replication_group")
    def create_replication_group(original, self, **kwargs):
        with _lock:
            group = original(self, **kwargs)
            _start(group, "creating", GROUP_CREATING)
            return group

    # The default mode refuses a group that is not `available`
    # (InvalidReplicationGroupState); an accepted change starts the phase.
    def modifying(name):
        @_wrap(ElastiCacheBackend, name)
        def changed(original, self, gid, params):
            with _lock:
                group = original(self, gid, params)
                _start(group, "modifying", GROUP_MODIFYING)
                return group

    for name in ("stackr_modify_replication_group", "increase_replica_count", "decrease_replica_count"):
        modifying(name)

    @_wrap(ElastiCacheBackend, "delete_replication_group")
    def delete_replication_group(original, self, replication_group_id, retain_primary_cluster=None):
        with _lock:
            group = original(self, replication_group_id, retain_primary_cluster)
            phase = group.__dict__.get("_stackr_phase")
            if phase is None or phase[0] != "deleting":
                _start(group, "deleting", GROUP_DELETING)
            return group
