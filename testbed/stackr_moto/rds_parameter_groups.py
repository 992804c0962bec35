"""RDS DB parameter groups and DB cluster parameter groups as the AWS API
reference describes them (moto 5.2 lacks or relaxes these):

- ``ResetDBParameterGroup`` / ``ResetDBClusterParameterGroup``: the named
  parameters go back to the engine default, i.e. they are no longer among
  the group's user-set parameters (``DescribeDB[Cluster]Parameters``); or
  all of them with ``ResetAllParameters``. moto had neither call.
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ResetDBParameterGroup.html
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ResetDBClusterParameterGroup.html
- ``Modify*`` and ``Reset*`` take at most 20 parameters a call ("A maximum
  of 20 parameters can be modified in a single request"): more is
  ``InvalidParameterValue``; moto took any number.
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBParameterGroup.html
- ``DeleteDBParameterGroup`` of a group an instance uses, and
  ``DeleteDBClusterParameterGroup`` of one a cluster uses, are refused with
  ``InvalidDBParameterGroupState`` ("can't be associated with any DB
  instances" / "DB clusters"); moto deleted them.
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBParameterGroup.html
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBClusterParameterGroup.html
"""

from moto.core.responses import ActionResult
from moto.rds import responses
from moto.rds.exceptions import DBParameterGroupNotFoundError, InvalidParameterValue, RDSClientError
from moto.rds.models import RDSBackend

#: Parameters one Modify* / Reset* call takes.
PER_CALL = 20


class InvalidDBParameterGroupState(RDSClientError):
    def __init__(self, message):
        super().__init__("InvalidDBParameterGroupState", message)


def _check_count(params):
    if len(params) > PER_CALL:
        raise InvalidParameterValue(
            f"A maximum of {PER_CALL} parameters can be modified in a single request; got {len(params)}"
        )


def _names(params):
    return [p.get("ParameterName") for p in params]


def _in_use_by_cluster(backend, name):
    return sorted(c.db_cluster_identifier for c in backend.clusters.values() if c.parameter_group == name)


def _in_use_by_instance(backend, name):
    return sorted(d.db_instance_identifier for d in backend.databases.values() if d.db_parameter_group_name == name)


def apply():
    modify_group = RDSBackend.modify_db_parameter_group
    modify_cluster_group = RDSBackend.modify_db_cluster_parameter_group
    delete_group = RDSBackend.delete_db_parameter_group
    delete_cluster_group = RDSBackend.delete_db_cluster_parameter_group

    def modify_db_parameter_group(self, name, params):
        params = list(params)
        _check_count(params)
        return modify_group(self, name, params)

    def modify_db_cluster_parameter_group(self, name, params):
        params = list(params)
        _check_count(params)
        return modify_cluster_group(self, name, params)

    def delete_db_parameter_group(self, name):
        users = _in_use_by_instance(self, name)
        if users:
            raise InvalidDBParameterGroupState(
                f"One or more database instances are still members of this parameter group {name}: {users}"
            )
        return delete_group(self, name)

    def delete_db_cluster_parameter_group(self, db_cluster_parameter_group_name):
        users = _in_use_by_cluster(self, db_cluster_parameter_group_name)
        if users:
            raise InvalidDBParameterGroupState(
                f"One or more DB clusters are still members of this parameter group "
                f"{db_cluster_parameter_group_name}: {users}"
            )
        return delete_cluster_group(self, db_cluster_parameter_group_name)

    def _reset(group, params, reset_all):
        if reset_all:
            group.parameters.clear()
            return
        _check_count(params)
        for name in _names(params):
            group.parameters.pop(name, None)

    def reset_db_parameter_group(self):
        name = self.params.get("DBParameterGroupName")
        group = self.backend.db_parameter_groups.get(name)
        if group is None:
            raise DBParameterGroupNotFoundError(name)
        params = [p.original_dict() for p in self.params.get("Parameters", [])]
        _reset(group, params, str(self.params.get("ResetAllParameters", "false")).lower() == "true")
        return ActionResult({"DBParameterGroupName": group.name})

    def reset_db_cluster_parameter_group(self):
        name = self.params.get("DBClusterParameterGroupName")
        group = self.backend.db_cluster_parameter_groups.get(name)
        if group is None:
            raise DBParameterGroupNotFoundError(name)
        params = [p.original_dict() for p in self.params.get("Parameters", [])]
        _reset(group, params, str(self.params.get("ResetAllParameters", "false")).lower() == "true")
        return ActionResult({"DBClusterParameterGroupName": group.name})

    RDSBackend.modify_db_parameter_group = modify_db_parameter_group
    RDSBackend.modify_db_cluster_parameter_group = modify_db_cluster_parameter_group
    RDSBackend.delete_db_parameter_group = delete_db_parameter_group
    RDSBackend.delete_db_cluster_parameter_group = delete_db_cluster_parameter_group
    responses.RDSResponse.reset_db_parameter_group = reset_db_parameter_group
    responses.RDSResponse.reset_db_cluster_parameter_group = reset_db_cluster_parameter_group
