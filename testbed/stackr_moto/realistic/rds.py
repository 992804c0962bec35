"""RDS (Aurora) at AWS's pace (realistic mode).

moto shows a new DB cluster ``creating`` once and ``available`` after, makes
DB instances ``available`` at once, and removes both the instant they are
deleted. Here:

- A new DB cluster is ``creating`` for a drawn 3-10 AWS minutes, then
  ``available``. ModifyDBCluster is refused with
  ``InvalidDBClusterStateFault`` (HTTP 400, "The requested operation can't
  be performed while the cluster is in this state") unless ``available``,
  and an accepted one puts the cluster in ``modifying`` for a drawn 30-120
  AWS seconds.
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html
  https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/accessing-monitoring.html#Aurora.Status
- CreateDBCluster of an identifier in use (also by a cluster still
  ``deleting``) is ``DBClusterAlreadyExistsFault`` (moto replaced it).
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
- DeleteDBCluster is refused with ``InvalidDBClusterStateFault`` while the
  cluster holds a DB instance that is not ``deleting`` ("You can't delete a
  DB cluster if it contains DB instances that aren't in the deleting
  state"), and while it is already ``deleting``. Accepted, the cluster is
  ``deleting`` for a drawn 5-10 AWS minutes and at least until its last
  instance is gone, then DescribeDBClusters answers
  ``DBClusterNotFoundFault``.
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html
  https://docs.aws.amazon.com/cli/latest/reference/rds/delete-db-cluster.html
  https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html
- A new DB instance is ``creating`` for a drawn 8-15 AWS minutes, then
  ``available``; meanwhile it has no ``Endpoint`` ("The endpoint might not
  be shown for instances with the status of creating"). CreateDBInstance
  in a cluster that is not ``available`` is refused with
  ``InvalidDBClusterStateFault`` (listed among its errors).
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html
- ModifyDBInstance is refused with ``InvalidDBInstanceState`` (HTTP 400,
  "The DB instance isn't in a valid state") unless ``available``; an
  accepted one puts the instance in ``modifying`` for a drawn 1-4 AWS
  minutes.
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html
  https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/accessing-monitoring.html#Overview.DBInstance.Status
- DeleteDBInstance puts the instance in ``deleting`` for a drawn 5-10 AWS
  minutes (still a member of its cluster), then it is gone
  (``DBInstanceNotFound``); a second DeleteDBInstance meanwhile is
  ``InvalidDBInstanceState``.
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html
- DeleteDBSubnetGroup is refused with ``InvalidDBSubnetGroupStateFault``
  ("The DB subnet group cannot be deleted because it's in use") while a DB
  cluster or instance, even one still ``deleting``, uses the group.
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBSubnetGroup.html

``status`` of moto's DBCluster and DBInstance shows these states to every
reader in this process (``deleted`` once a deletion has run its course), so
other modules can follow them.
"""

import threading

from moto.rds.exceptions import RDSClientError
from moto.rds.models import DBCluster, DBInstance, DBInstanceClustered, RDSBackend

from . import clock
from .._util import wrap_method as _wrap

# Drawn durations, in AWS seconds (shared/aws-timings.md; the modify times,
# which the table leaves out, are a short Aurora settings change).
CLUSTER_CREATING = (180, 600)
CLUSTER_MODIFYING = (30, 120)
CLUSTER_DELETING = (300, 600)
INSTANCE_CREATING = (480, 900)
INSTANCE_MODIFYING = (60, 240)
INSTANCE_DELETING = (300, 600)

_lock = threading.RLock()


def _cluster_state_fault(message):
    return RDSClientError("InvalidDBClusterStateFault", message)


def _instance_state_fault(message):
    return RDSClientError("InvalidDBInstanceState", message)



# --- phases: a state that lasts a drawn time ---------------------------------


def _start(obj, state, ident, span):
    """Puts ``obj`` in ``state`` for a duration drawn from ``span`` (AWS s)."""
    clock.begin(obj, f"rds:{ident}", state, span)


def _phase_state(obj):
    """(state, over) of the object's last phase, or None."""
    phase = obj.__dict__.get("_stackr_phase")
    if phase is None:
        return None
    state, timer = phase
    return state, timer.done()


def _members(cluster):
    """The cluster's DB instances, whatever their state (moto's own list)."""
    return [
        db
        for db in cluster.backend.databases.values()
        if isinstance(db, DBInstanceClustered) and db.db_cluster_identifier == cluster.db_cluster_identifier
    ]


def _cluster_shown(cluster, underlying):
    phase = _phase_state(cluster)
    if phase is None:
        return underlying
    state, over = phase
    if state == "deleting":
        # Gone only once its instances are gone too.
        done = over and all(db.status == "deleted" for db in _members(cluster))
        return "deleted" if done else "deleting"
    return underlying if over else state


def _instance_shown(db, underlying):
    phase = _phase_state(db)
    if phase is None:
        return underlying
    state, over = phase
    if not over:
        return state
    return "deleted" if state == "deleting" else underlying


def _status_property(cls, shown):
    """Makes ``cls.status`` show ``shown(obj, underlying)``, keeping what was
    there (moto's property on DBCluster, a plain attribute on DBInstance)."""
    current = cls.__dict__.get("status")
    if isinstance(current, property):
        get, put = current.fget, current.fset
    else:
        # Kept as `_status`, the name moto's own restore code maps back.
        def get(self):
            return self.__dict__.get("_status")

        def put(self, value):
            self.__dict__["_status"] = value

    cls.status = property(lambda self: shown(self, get(self)), put)


def _hide_endpoint_while_creating():
    current = DBInstance.__dict__["endpoint"]

    def endpoint(self):
        return None if self.status == "creating" else current.fget(self)

    DBInstance.endpoint = property(endpoint)


# --- what a finished deletion removes ----------------------------------------


def _purge(backend):
    """Forgets DB instances, then DB clusters, whose deletion has run its course."""
    for name, db in list(backend.databases.items()):
        if db.status == "deleted":
            del backend.databases[name]
    for name, cluster in list(backend.clusters.items()):
        if cluster.status == "deleted":
            del backend.clusters[name]


def _purging(name):
    @_wrap(RDSBackend, name)
    def purged_first(original, self, *args, **kwargs):
        with _lock:
            _purge(self)
        return original(self, *args, **kwargs)


def _uses_group(backend, name):
    """Identifiers of the clusters and instances (any state) in subnet group ``name``."""
    name = (name or "").lower()
    users = [
        c.db_cluster_identifier for c in backend.clusters.values() if (c.db_subnet_group_name or "").lower() == name
    ]
    for db in backend.databases.values():
        group = db.__dict__.get("db_subnet_group")
        if group is not None and group.name == name:
            users.append(db.db_instance_identifier)
    return users


def _cluster_patches():
    @_wrap(RDSBackend, "create_db_cluster")
    def create_db_cluster(original, self, kwargs):
        with _lock:
            _purge(self)
            cluster_id = (kwargs.get("db_cluster_identifier") or "").lower()
            if any(taken.lower() == cluster_id for taken in self.clusters):
                raise RDSClientError("DBClusterAlreadyExistsFault", f"DB cluster {cluster_id} already exists.")
            cluster = original(self, kwargs)
            # moto's own `creating` flips on first read; the phase says it now.
            cluster.status = "available"
            _start(cluster, "creating", cluster.db_cluster_arn, CLUSTER_CREATING)
            return cluster

    @_wrap(RDSBackend, "modify_db_cluster")
    def modify_db_cluster(original, self, kwargs):
        with _lock:
            _purge(self)
            cluster_id = kwargs.get("db_cluster_identifier")
            new_id = kwargs.get("new_db_cluster_identifier")
            cluster = self.clusters.get(cluster_id)
            if cluster is not None and cluster.status != "available":
                raise _cluster_state_fault(
                    f"DB cluster {cluster_id} is not in the available state (it is {cluster.status})."
                )
            answer = original(self, kwargs)
            cluster = self.clusters.get(new_id or cluster_id, answer)
            _start(cluster, "modifying", cluster.db_cluster_arn, CLUSTER_MODIFYING)
            # moto answers with a copy taken before the change.
            answer.__dict__["_stackr_phase"] = cluster.__dict__["_stackr_phase"]
            return answer

    @_wrap(RDSBackend, "delete_db_cluster")
    def delete_db_cluster(original, self, cluster_identifier, snapshot_name=None):
        with _lock:
            _purge(self)
            cluster = self.clusters.get(cluster_identifier)
            if cluster is None:
                return original(self, cluster_identifier, snapshot_name)
            if cluster.status == "deleting":
                raise _cluster_state_fault(f"DB cluster {cluster_identifier} is already being deleted.")
            members = _members(cluster)
            busy = [db.db_instance_identifier for db in members if db.status != "deleting"]
            if busy:
                raise _cluster_state_fault(
                    "Cluster cannot be deleted, it still contains DB instances in non-deleting state: "
                    + ", ".join(busy)
                )
            # moto refuses any member at all: the deleting ones step aside
            # for the call, and come back until they are gone.
            leaving = {db.db_instance_identifier: self.databases.pop(db.db_instance_identifier) for db in members}
            try:
                gone = original(self, cluster_identifier, snapshot_name)
            finally:
                self.databases.update(leaving)
            self.clusters[cluster_identifier] = gone
            _start(gone, "deleting", gone.db_cluster_arn, CLUSTER_DELETING)
            return gone


def _instance_patches():
    @_wrap(RDSBackend, "create_db_instance")
    def create_db_instance(original, self, db_kwargs):
        with _lock:
            _purge(self)
            cluster = self.clusters.get(db_kwargs.get("db_cluster_identifier") or "")
            if cluster is not None and cluster.status != "available":
                raise _cluster_state_fault(
                    f"DB cluster {cluster.db_cluster_identifier} is not in the available state "
                    f"(it is {cluster.status}); no DB instance can be added to it now."
                )
            db = original(self, db_kwargs)
            _start(db, "creating", db.db_instance_arn, INSTANCE_CREATING)
            return db

    @_wrap(RDSBackend, "modify_db_instance")
    def modify_db_instance(original, self, db_instance_identifier, db_kwargs):
        with _lock:
            _purge(self)
            db = self.databases.get(db_instance_identifier)
            if db is not None and db.status != "available":
                raise _instance_state_fault(
                    f"Instance {db_instance_identifier} is not in the available state (it is {db.status})."
                )
            db = original(self, db_instance_identifier, db_kwargs)
            _start(db, "modifying", db.db_instance_arn, INSTANCE_MODIFYING)
            return db

    @_wrap(RDSBackend, "delete_db_instance")
    def delete_db_instance(original, self, db_instance_identifier, **kwargs):
        with _lock:
            _purge(self)
            db = self.databases.get(db_instance_identifier)
            if db is not None and db.status == "deleting":
                raise _instance_state_fault(f"Instance {db_instance_identifier} is already being deleted.")
            # moto forgets the instance at once; AWS lists it `deleting`.
            gone = original(self, db_instance_identifier=db_instance_identifier, **kwargs)
            self.databases[db_instance_identifier] = gone
            _start(gone, "deleting", gone.db_instance_arn, INSTANCE_DELETING)
            return gone


def apply():
    _status_property(DBCluster, _cluster_shown)
    _status_property(DBInstance, _instance_shown)
    _hide_endpoint_while_creating()

    for name in ("describe_db_clusters", "describe_db_instances", "describe_db_subnet_groups"):
        _purging(name)
    _cluster_patches()
    _instance_patches()

    @_wrap(RDSBackend, "delete_subnet_group")
    def delete_subnet_group(original, self, subnet_name):
        with _lock:
            _purge(self)
            users = _uses_group(self, subnet_name)
            if users and subnet_name in self.subnet_groups:
                raise RDSClientError(
                    "InvalidDBSubnetGroupStateFault",
                    f"DB subnet group {subnet_name} cannot be deleted because it is in use by {', '.join(users)}.",
                )
            return original(self, subnet_name)
