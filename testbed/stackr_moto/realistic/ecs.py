"""ECS in realistic mode: services deploy and drain at AWS's pace, and
CreateService / UpdateService are refused while what they name is not ready.

States (kept on moto's Service; moved on whenever ECS reads a service):

- Deployments: CreateService, and UpdateService with a new task definition,
  ``forceNewDeployment``, a capacity provider strategy, network
  configuration, platform version, load balancers, service registries, ECS
  Exec, volume or Service Connect configuration, start a deployment whose
  ``rolloutState`` is IN_PROGRESS (runningCount 0, pendingCount =
  desiredCount) for a drawn 2–10 AWS min, then COMPLETED with runningCount =
  desiredCount; the deployment it replaces stays listed as ACTIVE, its
  tasks still running, until then
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html,
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html).
  A service of desiredCount 0 is steady at once. A change of desiredCount
  alone starts no deployment.
- DeleteService: the service is DRAINING for a drawn 1–5 AWS min, then
  INACTIVE; a draining service is left out of ListServices, still shown by
  DescribeServices
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteService.html).
  (moto already refuses a delete without ``force`` while desiredCount > 0.)

Refusals (AWS's codes, in ECS's JSON error shape):

- CreateService of a name whose service is DRAINING: InvalidParameterException
  "Unable to Start a service that is still Draining." (API_DeleteService.html:
  "If you attempt to create a new service with the same name as an existing
  service in either ACTIVE or DRAINING status, you receive an error").
- UpdateService / DeleteService of a DRAINING or INACTIVE service:
  ServiceNotActiveException
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html#API_UpdateService_Errors).
- DeleteCluster while a service of the cluster is ACTIVE or DRAINING:
  ClusterContainsServicesException "The Cluster cannot be deleted while
  Services are active."
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html#API_DeleteCluster_Errors).
- CreateService while the account's ECS service-linked role, made with its
  first CreateCluster, is not usable yet (IAM's 5–15 AWS s, realistic/iam.py):
  InvalidParameterException "Unable to assume the service linked role.
  Please verify that the ECS service linked role exists."
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html).
- CreateService / UpdateService naming a role not usable yet
  (realistic/iam.py): the service role (``role``): InvalidParameterException
  "Unable to assume role and validate the specified targetGroupArn. Please
  verify that the ECS service role being passed has the proper
  permissions."; the task definition's task or execution role:
  InvalidParameterException "ECS was unable to assume the role '...' that
  was provided for this task. ..." (the text ECS gives for a task's role it
  cannot assume; AWS often reports it later, on the task, rather than on
  the call — refusing the call is the stricter model)
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html#API_CreateService_Errors).
- CreateService / UpdateService whose ``loadBalancers`` name a target group
  that no listener or listener rule forwards to (moto's elbv2 backend of the
  same account and region): InvalidParameterException "The target group
  with targetGroupArn ARN does not have an associated load balancer."
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html).

Wrappers call through to what is installed (the default ecs.py and other
realistic modules keep working).
"""

from moto.core.utils import utcnow
from moto.ecs import models
from moto.ecs.exceptions import ECSException, InvalidParameterException
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import elbv2_backends
from moto.moto_api._internal import mock_random

from . import clock, iam

# AWS seconds: a deployment IN_PROGRESS -> COMPLETED (health check grace included).
ROLLOUT = (120, 600)
# AWS seconds: a deleted service DRAINING -> INACTIVE.
DRAIN = (60, 300)

SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"

# UpdateService parameters that make ECS start a new deployment.
_DEPLOYING = (
    "taskDefinition",
    "capacityProviderStrategy",
    "networkConfiguration",
    "platformVersion",
    "loadBalancers",
    "serviceRegistries",
    "enableExecuteCommand",
    "volumeConfigurations",
    "serviceConnectConfiguration",
)

class ClusterContainsServicesException(ECSException):
    code = "ClusterContainsServicesException"
    message = "The Cluster cannot be deleted while Services are active."


class ServiceNotActiveException(ECSException):
    code = "ServiceNotActiveException"
    message = "Service was not ACTIVE."


# --- states -----------------------------------------------------------------


def _primary(service):
    return next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)


def _recount(service):
    """The service's counts are its deployments' (old tasks run until the new ones are steady)."""
    service.running_count = sum(d.get("runningCount", 0) for d in service.deployments)
    service.pending_count = sum(d.get("pendingCount", 0) for d in service.deployments)


def _roll_out(service, deployment):
    """Makes ``deployment`` the one in progress, for a drawn duration."""
    if service.desired_count == 0:
        # Nothing to start: ECS finds the service steady at once.
        service._realistic_rollout = None
        _complete(service)
        return
    deployment.update(
        desiredCount=service.desired_count,
        runningCount=0,
        pendingCount=service.desired_count,
        rolloutState="IN_PROGRESS",
        rolloutStateReason=f"ECS deployment {deployment['id']} in progress.",
        updatedAt=utcnow(),
    )
    service._realistic_rollout = clock.Phase(f"ecs:{deployment['id']}:rollout", *ROLLOUT)
    _recount(service)


def _complete(service):
    """The primary deployment is steady: its tasks run, the older ones are gone."""
    service.deployments = [d for d in service.deployments if d.get("status") == "PRIMARY"]
    for d in service.deployments:
        d.update(
            desiredCount=service.desired_count,
            runningCount=service.desired_count,
            pendingCount=0,
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {d['id']} completed.",
            updatedAt=utcnow(),
        )
    _recount(service)


def _new_deployment(service):
    """UpdateService changed what runs: the primary becomes ACTIVE and a new one starts."""
    old = _primary(service)
    if old is None:  # CODE_DEPLOY / EXTERNAL controllers keep no ECS deployments
        return
    old["status"] = "ACTIVE"
    new = dict(old)
    now = utcnow()
    new.update(
        id=f"ecs-svc/{mock_random.randint(0, 32**12)}",
        status="PRIMARY",
        taskDefinition=service.task_definition,
        platformVersion=service.platform_version,
        networkConfiguration=service.network_configuration or None,
        failedTasks=0,
        createdAt=now,
    )
    strategy = getattr(service, "capacity_provider_strategy", None)
    if strategy:
        new.pop("launchType", None)
        new["capacityProviderStrategy"] = strategy
    service.deployments.insert(0, new)
    _roll_out(service, new)


def _follow_desired_count(service):
    """A new desired count without a new deployment: ECS scales the primary
    one (moto counted every task as running at once)."""
    primary = _primary(service)
    if primary is None:
        return
    primary["desiredCount"] = service.desired_count
    if getattr(service, "_realistic_rollout", None) is None:
        primary.update(runningCount=service.desired_count, pendingCount=0)
    else:
        primary["pendingCount"] = max(0, service.desired_count - primary.get("runningCount", 0))
    _recount(service)


def _start_draining(service):
    """DeleteService: ECS stops the tasks (desired count 0) while the service drains."""
    service.status = "DRAINING"
    service.desired_count = 0
    service._realistic_rollout = None
    for d in service.deployments:
        d["desiredCount"] = 0
    primary = _primary(service)
    tag = primary["id"] if primary else service.arn
    service._realistic_drain = clock.Phase(f"ecs:{tag}:drain", *DRAIN)


def _settle(service):
    """Moves the service to the state its clock says."""
    drain = getattr(service, "_realistic_drain", None)
    if service.status == "DRAINING" and drain is not None and drain.done():
        service.status = "INACTIVE"
        for d in service.deployments:
            d.update(runningCount=0, pendingCount=0)
        _recount(service)
    rollout = getattr(service, "_realistic_rollout", None)
    if rollout is not None and rollout.done():
        service._realistic_rollout = None
        _complete(service)


def _settle_all(backend):
    for service in list(backend.services.values()):
        _settle(service)


# --- refusals ---------------------------------------------------------------


def _refuse_draining_namesake(backend, cluster, name):
    try:
        cluster_name = backend._get_cluster(cluster).name
    except ECSException:
        return  # moto's own call reports the missing cluster
    service = backend.services.get(f"{cluster_name}:{name}")
    if service is not None and service.status == "DRAINING":
        raise InvalidParameterException("Unable to Start a service that is still Draining.")


def _refuse_before_linked_role(account_id):
    if not iam.role_usable(account_id, SERVICE_LINKED_ROLE):
        raise InvalidParameterException(
            "Unable to assume the service linked role. Please verify that the ECS service linked role exists."
        )


def _refuse_unusable_roles(backend, task_definition, service_role):
    account = backend.account_id
    if service_role and not iam.role_usable(account, service_role):
        raise InvalidParameterException(
            "Unable to assume role and validate the specified targetGroupArn. "
            "Please verify that the ECS service role being passed has the proper permissions."
        )
    if not task_definition:
        return
    try:
        definition = backend.describe_task_definition(task_definition)
    except ECSException:
        return  # moto's own call reports it
    # moto sets these attributes only when the definition names the role.
    for arn in (getattr(definition, "execution_role_arn", None), getattr(definition, "task_role_arn", None)):
        if arn and not iam.role_usable(account, arn):
            raise InvalidParameterException(
                f"ECS was unable to assume the role '{arn}' that was provided for this task. "
                "Please verify that the role being passed has the proper trust relationship and "
                "permissions and that your IAM user has permissions to pass this role."
            )


def _refuse_unattached_target_groups(backend, load_balancers):
    elbv2 = elbv2_backends[backend.account_id][backend.region_name]
    for lb in load_balancers or []:
        arn = lb.get("targetGroupArn")
        # moto's own walk of every listener's default and non-default rules.
        if arn in elbv2.target_groups and not elbv2._any_listener_using(arn):
            raise InvalidParameterException(
                f"The target group with targetGroupArn {arn} does not have an associated load balancer."
            )


# --- wrappers ---------------------------------------------------------------


def _settling_first(method):
    """Backend reads see the states as of now."""
    original = getattr(models.EC2ContainerServiceBackend, method)

    def wrapped(self, *args, **kwargs):
        _settle_all(self)
        return original(self, *args, **kwargs)

    setattr(models.EC2ContainerServiceBackend, method, wrapped)


def _wrap_backend():
    backend = models.EC2ContainerServiceBackend
    for method in ("describe_services", "_get_service"):
        _settling_first(method)

    original_list = backend.list_services

    def list_services(self, *args, **kwargs):
        _settle_all(self)
        hidden = {s.arn for s in self.services.values() if s.status != "ACTIVE"}
        return [arn for arn in original_list(self, *args, **kwargs) if arn not in hidden]

    backend.list_services = list_services

    original_delete_cluster = backend.delete_cluster

    def delete_cluster(self, cluster_str):
        cluster = self._get_cluster(cluster_str)
        _settle_all(self)
        for service in self.services.values():
            if service.cluster_name == cluster.name and service.status in ("ACTIVE", "DRAINING"):
                raise ClusterContainsServicesException()
        return original_delete_cluster(self, cluster_str)

    backend.delete_cluster = delete_cluster

    original_create_cluster = backend.create_cluster

    def create_cluster(self, *args, **kwargs):
        result = original_create_cluster(self, *args, **kwargs)
        # ECS makes its service-linked role with the account's first cluster
        # (unless the account made it itself, with CreateServiceLinkedRole).
        if not iam.tracked(self.account_id, SERVICE_LINKED_ROLE):
            iam.changed(self.account_id, SERVICE_LINKED_ROLE)
        return result

    backend.create_cluster = create_cluster


def _wrap_responses():
    response = EC2ContainerServiceResponse

    original_create = response.create_service

    def create_service(self):
        backend = self.ecs_backend
        cluster = self._get_param("cluster", "default")
        name = self._get_param("serviceName")
        _settle_all(backend)
        _refuse_draining_namesake(backend, cluster, name)
        _refuse_before_linked_role(backend.account_id)
        _refuse_unusable_roles(backend, self._get_param("taskDefinition"), self._get_param("role"))
        _refuse_unattached_target_groups(backend, self._get_param("loadBalancers"))
        result = original_create(self)
        service = backend._get_service(cluster, name)
        service._realistic_drain = None
        primary = _primary(service)
        if primary is not None:
            _roll_out(service, primary)
        return result

    response.create_service = create_service

    original_update = response.update_service

    def update_service(self):
        backend = self.ecs_backend
        service = backend._get_service(self._get_param("cluster", "default"), self._get_param("service"))
        if service.status != "ACTIVE":
            raise ServiceNotActiveException()
        deploys = bool(self._get_param("forceNewDeployment")) or any(
            self._get_param(p) is not None for p in _DEPLOYING
        )
        # A new deployment launches tasks of the named (or else current) task definition.
        task_definition = self._get_param("taskDefinition") or (service.task_definition if deploys else None)
        _refuse_unusable_roles(backend, task_definition, None)
        _refuse_unattached_target_groups(backend, self._get_param("loadBalancers"))
        result = original_update(self)
        if deploys:
            _new_deployment(service)
        else:
            _follow_desired_count(service)
        return result

    response.update_service = update_service

    original_delete = response.delete_service

    def delete_service(self):
        backend = self.ecs_backend
        service = backend._get_service(self._get_param("cluster", "default"), self._get_param("service"))
        if service.status != "ACTIVE":
            raise ServiceNotActiveException()
        result = original_delete(self)
        _start_draining(service)
        return result

    response.delete_service = delete_service


def apply():
    _wrap_backend()
    _wrap_responses()
