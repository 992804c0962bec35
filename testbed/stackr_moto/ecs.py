"""ECS: what moto 5.2's CreateService leaves out, filled in as AWS documents it.

- CreateService keeps ``enableExecuteCommand``, ``capacityProviderStrategy``,
  ``healthCheckGracePeriodSeconds``, ``deploymentConfiguration``,
  ``enableECSManagedTags`` and ``availabilityZoneRebalancing`` (moto drops
  them, so DescribeServices could never show drift on them). As in AWS, a
  service given no deployment configuration reports the defaults
  (maximumPercent 200, minimumHealthyPercent 100, circuit breaker off), and
  a service placed by a capacity provider strategy reports no launch type.
  (UpdateService already stores what it is given.)
- A new service's deployment completes: its tasks count as running and the
  primary deployment's rolloutState is COMPLETED, as AWS reports once the
  tasks are healthy (moto leaves it IN_PROGRESS forever unless the
  MOTO_ECS_SERVICE_RUNNING variable is set, so nothing could wait for a
  steady service).
- A service's awsvpc configuration may leave out security groups (AWS then
  uses the VPC's default group; moto failed with a server error).
- A family's revision numbers only grow: "the revision value always
  increases by one ... even if you deregistered previous revisions"
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskDefinition.html).
  moto numbered the next revision after the highest one left, so deleting
  the latest made its number (and ARN) come back, hiding a service still
  pointing at the deleted one.
"""

from moto.ecs import models
from moto.ecs.responses import EC2ContainerServiceResponse

_EXTRA = {
    "enableExecuteCommand": "enable_execute_command",
    "capacityProviderStrategy": "capacity_provider_strategy",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "enableECSManagedTags": "enable_ecs_managed_tags",
    "availabilityZoneRebalancing": "availability_zone_rebalancing",
}

_DEFAULT_DEPLOYMENT = {
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
}


def _revisions_only_grow():
    backend = models.EC2ContainerServiceBackend
    original_last = backend._get_last_task_definition_revision_id

    def last(self, family):
        seen = getattr(self, "stackr_highest_revision", {}).get(family, 0)
        current = original_last(self, family) or 0
        return max(seen, current) or None

    original_register = backend.register_task_definition

    def register(self, family, *args, **kwargs):
        made = original_register(self, family, *args, **kwargs)
        highest = self.__dict__.setdefault("stackr_highest_revision", {})
        highest[family] = max(highest.get(family, 0), made.revision)
        return made

    backend._get_last_task_definition_revision_id = last
    backend.register_task_definition = register


def apply():
    _revisions_only_grow()
    original_create = EC2ContainerServiceResponse.create_service

    def create_service(self):
        result = original_create(self)
        cluster = self._get_param("cluster", "default")
        name = self._get_param("serviceName")
        service = self.ecs_backend._get_service(cluster, name)
        for param, attr in _EXTRA.items():
            value = self._get_param(param)
            if value is not None:
                setattr(service, attr, value)
        config = dict(_DEFAULT_DEPLOYMENT)
        config.update(self._get_param("deploymentConfiguration") or {})
        service.deployment_configuration = config
        if self._get_param("capacityProviderStrategy") and not self._get_param("launchType"):
            service.launch_type = None
        service.running_count = service.desired_count
        service.pending_count = 0
        for deployment in service.deployments:
            deployment["runningCount"] = service.desired_count
            deployment["pendingCount"] = 0
            deployment["rolloutState"] = "COMPLETED"
            deployment["rolloutStateReason"] = f"ECS deployment {deployment['id']} completed."
            if service.launch_type is None:
                deployment.pop("launchType", None)
                deployment["capacityProviderStrategy"] = service.capacity_provider_strategy
        return result

    EC2ContainerServiceResponse.create_service = create_service

    original_validate = models.Service._validate_network

    def _validate_network(self, nc):
        config = nc.get("awsvpcConfiguration")
        if config is not None and "securityGroups" not in config:
            config["securityGroups"] = []
        return original_validate(self, nc)

    models.Service._validate_network = _validate_network
