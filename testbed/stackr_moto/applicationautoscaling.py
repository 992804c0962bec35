"""Application Auto Scaling: tags, and three behaviours of AWS moto 5.2 lacks.

- Scalable targets carry tags: RegisterScalableTarget takes ``Tags`` when it
  creates a target, and ListTagsForResource / TagResource / UntagResource
  work on scalable target ARNs (ResourceNotFoundException for others).
- PutScalingPolicy on an existing policy updates it in place: the policy
  keeps its ARN (moto made a new one each time) and its target tracking
  alarms are replaced, not left behind.
- DeregisterScalableTarget also deletes the target's scaling policies and
  their alarms, as AWS does.
- Registering an ECS service's desired count brings the service's count
  inside the new bounds, as AWS does when a target is registered or its
  bounds change.
- DescribeScalingPolicies honours ``PolicyNames`` and matches ``ResourceId``
  and ``ScalableDimension`` exactly.
- DeleteScalingPolicy of a policy that does not exist answers
  ``ObjectNotFoundException`` ("The specified object could not be found"),
  as the API reference lists; moto answered ValidationException, so a
  delete retried after its first answer was lost failed.
"""

import json

from moto.applicationautoscaling import models
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse, _build_policy
from moto.core.exceptions import JsonRESTError

from ._util import add_method


def _target_by_arn(backend, arn):
    for by_resource in backend.targets.values():
        for target in by_resource.values():
            if target.arn == arn:
                return target
    raise JsonRESTError("ResourceNotFoundException", f"No scalable target found for ARN {arn}")


def apply():
    backend_cls = models.ApplicationAutoscalingBackend
    response_cls = ApplicationAutoScalingResponse

    original_delete_policy = backend_cls.delete_scaling_policy

    def delete_scaling_policy(self, policy_name, service_namespace, resource_id, scalable_dimension):
        key = models.FakeApplicationAutoscalingPolicy.formulate_key(
            service_namespace, resource_id, scalable_dimension, policy_name
        )
        if key not in self.policies:
            raise JsonRESTError(
                "ObjectNotFoundException",
                f"No scaling policy found for service namespace: {service_namespace}, resource ID: "
                f"{resource_id}, scalable dimension: {scalable_dimension}, policy name: {policy_name}",
            )
        return original_delete_policy(self, policy_name, service_namespace, resource_id, scalable_dimension)

    backend_cls.delete_scaling_policy = delete_scaling_policy

    original_register = response_cls.register_scalable_target

    def register_scalable_target(self):
        backend = self.applicationautoscaling_backend
        existed = backend._scalable_target_exists(
            self._get_param("ResourceId"), self._get_param("ScalableDimension")
        )
        body = original_register(self)
        target = _target_by_arn(backend, json.loads(body)["ScalableTargetARN"])
        if not existed:
            target.tags = dict(self._get_param("Tags") or {})
        if target.service_namespace == "ecs" and target.scalable_dimension == "ecs:service:DesiredCount":
            _, cluster, name = target.resource_id.split("/")
            service = backend.ecs_backend._get_service(cluster, name)
            low, high = target.min_capacity, target.max_capacity
            if low is not None and service.desired_count < low:
                service.desired_count = low
            if high is not None and service.desired_count > high:
                service.desired_count = high
        return body

    response_cls.register_scalable_target = register_scalable_target

    @add_method(response_cls, "list_tags_for_resource")
    def list_tags_for_resource(self):
        target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        return json.dumps({"Tags": getattr(target, "tags", {})})

    @add_method(response_cls, "tag_resource")
    def tag_resource(self):
        target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        tags = getattr(target, "tags", {})
        tags.update(self._get_param("Tags") or {})
        target.tags = tags
        return json.dumps({})

    @add_method(response_cls, "untag_resource")
    def untag_resource(self):
        target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        keys = set(self._get_param("TagKeys") or [])
        target.tags = {k: v for k, v in getattr(target, "tags", {}).items() if k not in keys}
        return json.dumps({})

    original_put = backend_cls.put_scaling_policy

    def put_scaling_policy(self, policy_name, service_namespace, resource_id, scalable_dimension, policy_body, policy_type):
        key = models.FakeApplicationAutoscalingPolicy.formulate_key(
            service_namespace, resource_id, scalable_dimension, policy_name
        )
        old = self.policies.get(key)
        policy = original_put(
            self,
            policy_name=policy_name,
            service_namespace=service_namespace,
            resource_id=resource_id,
            scalable_dimension=scalable_dimension,
            policy_body=policy_body,
            policy_type=policy_type,
        )
        if old is not None:
            old.delete_alarms(self.account_id, self.region_name)
            policy.delete_alarms(self.account_id, self.region_name)
            policy.alarms = []
            policy._guid = old._guid
            policy.policy_arn = old.policy_arn
            policy.creation_time = old.creation_time
            policy.create_alarms()
        return policy

    backend_cls.put_scaling_policy = put_scaling_policy

    original_deregister = backend_cls.deregister_scalable_target

    def deregister_scalable_target(self, namespace, r_id, dimension):
        original_deregister(self, namespace, r_id, dimension)
        for key, policy in list(self.policies.items()):
            if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (namespace, r_id, dimension):
                policy.delete_alarms(self.account_id, self.region_name)
                del self.policies[key]

    backend_cls.deregister_scalable_target = deregister_scalable_target

    def describe_scaling_policies(self):
        namespace = self._get_param("ServiceNamespace")
        names = self._get_param("PolicyNames") or []
        resource_id = self._get_param("ResourceId")
        dimension = self._get_param("ScalableDimension")
        policies = [
            p
            for p in self.applicationautoscaling_backend.policies.values()
            if p.service_namespace == namespace
            and (not names or p.policy_name in names)
            and (not resource_id or p.resource_id == resource_id)
            and (not dimension or p.scalable_dimension == dimension)
        ]
        start = int(self._get_param("NextToken") or 0)
        end = start + (self._get_int_param("MaxResults") or 10)
        return json.dumps(
            {
                "ScalingPolicies": [_build_policy(p) for p in policies[start:end]],
                "NextToken": str(end) if end < len(policies) else None,
            }
        )

    response_cls.describe_scaling_policies = describe_scaling_policies
