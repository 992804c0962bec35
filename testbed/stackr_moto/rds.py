"""RDS DB clusters and instances, as the AWS API reference describes them.

moto 5.2 accepts these parameters but does not act on them; this module
makes them work:

- ``ModifyDBCluster`` ``CloudwatchLogsExportConfiguration``: the
  ``EnableLogTypes`` are added to and the ``DisableLogTypes`` removed from the
  cluster's ``EnabledCloudwatchLogsExports``.
- ``ModifyDBCluster`` ``EnableIAMDatabaseAuthentication``: changes the
  cluster's ``IAMDatabaseAuthenticationEnabled``.
- ``ModifyDBCluster`` of a cluster that does not exist answers
  ``DBClusterNotFoundFault`` (moto fails with a server error).
- ``DeleteDBCluster`` removes the cluster's automated snapshots
  (``rds:<cluster>-<time>``) with it, AWS's default (``DeleteAutomatedBackups``
  true); moto keeps them, so a cluster made again under the same identifier
  within the minute failed on the name of its first automated snapshot.
- The Resource Groups Tagging API's GetResources lists DB subnet groups
  (``rds:subgrp``) with their tags, as AWS's table of supported resources
  has them (``AWS::RDS::DBSubnetGroup``); moto left them out, so a refresh
  read their tags one call each.
  https://docs.aws.amazon.com/ARG/latest/userguide/supported-resources.html
- ``ModifyDBSubnetGroup`` keeps the group (moto dropped it from the
  region: the group read as deleted after every change of its subnets).
- ``CreateDBInstance`` / ``ModifyDBInstance`` ``EnablePerformanceInsights``
  and ``PerformanceInsightsRetentionPeriod``: kept and reported as
  ``PerformanceInsightsEnabled`` and ``PerformanceInsightsRetentionPeriod``
  (7 days, AWS's default, when enabled without a period).
"""

from moto.core.resource_tagging import TaggedResource
from moto.rds.exceptions import DBClusterNotFoundError, DBSubnetGroupNotFoundError
from moto.rds.models import RDSBackend

#: AWS's default Performance Insights retention, in days.
DEFAULT_RETENTION = 7


def _set_performance_insights(database, enabled, retention):
    if enabled is not None:
        database.performance_insights_enabled = bool(enabled)
    if retention is not None:
        database.performance_insights_retention_period = int(retention)
    if getattr(database, "performance_insights_enabled", False):
        if getattr(database, "performance_insights_retention_period", None) is None:
            database.performance_insights_retention_period = DEFAULT_RETENTION
    else:
        database.performance_insights_retention_period = None


def apply():
    original_iter_tagged = RDSBackend.iter_tagged_resources

    def iter_tagged_resources(self):
        yield from original_iter_tagged(self)
        for group in self.subnet_groups.values():
            yield TaggedResource(
                arn=group.arn,
                tags={tag["Key"]: tag["Value"] for tag in group.get_tags()},
                resource_type="rds:subgrp",
            )

    RDSBackend.iter_tagged_resources = iter_tagged_resources
    original_modify_cluster = RDSBackend.modify_db_cluster
    original_delete_cluster = RDSBackend.delete_db_cluster
    original_create_instance = RDSBackend.create_db_instance
    original_modify_instance = RDSBackend.modify_db_instance

    def modify_db_cluster(self, kwargs):
        cluster_id = kwargs["db_cluster_identifier"]
        cluster = self.clusters.get(cluster_id)
        if cluster is None:
            raise DBClusterNotFoundError(cluster_id)
        logs = kwargs.pop("cloudwatch_logs_export_configuration", None) or {}
        iam = kwargs.pop("enable_iam_database_authentication", None)
        enabled = [t for t in cluster.enabled_cloudwatch_logs_exports if t not in logs.get("DisableLogTypes", [])]
        enabled.extend(t for t in logs.get("EnableLogTypes", []) if t not in enabled)
        cluster.enabled_cloudwatch_logs_exports = enabled
        if iam is not None:
            cluster.iam_auth = bool(iam)
        return original_modify_cluster(self, kwargs)

    def delete_db_cluster(self, cluster_identifier, snapshot_name=None):
        cluster = original_delete_cluster(self, cluster_identifier, snapshot_name)
        for name, snapshot in list(self.cluster_snapshots.items()):
            same = snapshot.cluster.db_cluster_resource_id == cluster.db_cluster_resource_id
            if snapshot.snapshot_type == "automated" and same:
                del self.cluster_snapshots[name]
        return cluster

    def create_db_instance(self, db_kwargs):
        enabled = db_kwargs.pop("enable_performance_insights", None)
        retention = db_kwargs.pop("performance_insights_retention_period", None)
        database = original_create_instance(self, db_kwargs)
        _set_performance_insights(database, enabled, retention)
        return database

    def modify_db_instance(self, db_instance_identifier, db_kwargs):
        enabled = db_kwargs.pop("enable_performance_insights", None)
        retention = db_kwargs.pop("performance_insights_retention_period", None)
        database = original_modify_instance(self, db_instance_identifier, db_kwargs)
        _set_performance_insights(database, enabled, retention)
        return database

    def modify_db_subnet_group(self, subnet_name, description, subnets):
        # moto pops the group and never puts it back: the group vanished
        # after every ModifyDBSubnetGroup. AWS keeps it, with the new
        # subnets and description
        # (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSubnetGroup.html).
        group = self.subnet_groups.get(subnet_name)
        if group is None:
            raise DBSubnetGroupNotFoundError(subnet_name)
        group.subnets = subnets
        if description is not None:
            group.description = description
        return group

    RDSBackend.modify_db_subnet_group = modify_db_subnet_group
    RDSBackend.modify_db_cluster = modify_db_cluster
    RDSBackend.delete_db_cluster = delete_db_cluster
    RDSBackend.create_db_instance = create_db_instance
    RDSBackend.modify_db_instance = modify_db_instance
