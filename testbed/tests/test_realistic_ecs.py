"""Realistic ECS: deployments and draining at AWS's pace, and CreateService /
UpdateService / DeleteCluster refused while AWS would refuse them."""

import time

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase

CONTAINER = [{"name": "web", "image": "nginx", "memory": 128, "portMappings": [{"containerPort": 80}]}]


class EcsCase(RealisticCase):
    def setUp(self):
        super().setUp()
        self.ecs = self.client("ecs")
        self.cluster = self.ecs.create_cluster(clusterName="web")["cluster"]["clusterArn"]
        self.task = self.register("app")

    def register(self, family, **roles):
        return self.ecs.register_task_definition(family=family, containerDefinitions=CONTAINER, **roles)[
            "taskDefinition"
        ]["taskDefinitionArn"]

    def create_service(self, name="app", **kwargs):
        """CreateService, once the account's service-linked role (made with
        its first cluster) is usable."""
        params = dict(cluster=self.cluster, serviceName=name, taskDefinition=self.task, desiredCount=2)
        params.update(kwargs)

        def attempt():
            try:
                return self.ecs.create_service(**params)["service"]
            except ClientError as e:
                if "service linked role" in e.response["Error"]["Message"]:
                    return None
                raise

        return self.wait_until(attempt, timeout=5, pause=0.01, what="the service-linked role")

    def describe(self, name="app"):
        return self.ecs.describe_services(cluster=self.cluster, services=[name])["services"][0]

    def primary(self, name="app"):
        return next(d for d in self.describe(name)["deployments"] if d["status"] == "PRIMARY")

    def wait_completed(self, name="app"):
        return self.wait_until(
            lambda: self.primary(name)["rolloutState"] == "COMPLETED" and self.describe(name),
            timeout=5,
            what="COMPLETED",
        )


class DeploymentTest(EcsCase):
    def test_a_new_service_deploys_for_minutes_then_completes(self):
        created = self.create_service()
        started = time.monotonic()
        self.assertEqual(created["deployments"][0]["rolloutState"], "IN_PROGRESS")
        self.assertEqual((created["runningCount"], created["pendingCount"]), (0, 2))
        self.assertEqual(self.primary()["rolloutState"], "IN_PROGRESS")
        svc = self.wait_completed()
        aws = self.aws_seconds(time.monotonic() - started)
        self.assertGreaterEqual(aws, 120 - 30, "a deployment takes at least 2 AWS minutes")
        self.assertLessEqual(aws, 600 + 60, "and at most 10")
        self.assertEqual((svc["runningCount"], svc["pendingCount"], svc["desiredCount"]), (2, 0, 2))
        self.assertEqual(len(svc["deployments"]), 1)
        self.assertEqual(svc["deployments"][0]["runningCount"], 2)

    def test_a_new_task_definition_is_a_new_deployment_next_to_the_old_one(self):
        self.create_service()
        self.wait_completed()
        first = self.primary()["id"]
        second = self.register("app")
        self.ecs.update_service(cluster=self.cluster, service="app", taskDefinition=second)
        svc = self.describe()
        by_status = {d["status"]: d for d in svc["deployments"]}
        self.assertEqual(by_status["PRIMARY"]["rolloutState"], "IN_PROGRESS")
        self.assertEqual(by_status["PRIMARY"]["taskDefinition"], second)
        self.assertEqual(by_status["ACTIVE"]["id"], first)
        self.assertEqual(svc["runningCount"], 2, "the old tasks run until the new ones are steady")
        svc = self.wait_completed()
        self.assertEqual([d["status"] for d in svc["deployments"]], ["PRIMARY"])
        self.assertEqual(svc["deployments"][0]["taskDefinition"], second)

    def test_forced_and_strategy_deployments_but_not_a_new_desired_count(self):
        self.create_service()
        self.wait_completed()
        self.ecs.update_service(cluster=self.cluster, service="app", desiredCount=3)
        svc = self.describe()
        self.assertEqual(len(svc["deployments"]), 1)
        self.assertEqual(self.primary()["rolloutState"], "COMPLETED")
        self.assertEqual(svc["runningCount"], 3)
        self.ecs.update_service(cluster=self.cluster, service="app", forceNewDeployment=True)
        self.assertEqual(self.primary()["rolloutState"], "IN_PROGRESS")
        self.wait_completed()
        self.ecs.update_service(
            cluster=self.cluster,
            service="app",
            capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        )
        self.assertEqual(self.primary()["rolloutState"], "IN_PROGRESS")
        self.assertEqual(self.wait_completed()["runningCount"], 3)

    def test_a_service_of_no_tasks_is_steady_at_once(self):
        created = self.create_service(name="idle", desiredCount=0)
        self.assertEqual(created["deployments"][0]["rolloutState"], "COMPLETED")


class DrainTest(EcsCase):
    def test_a_deleted_service_drains_then_is_inactive(self):
        self.create_service()
        self.assertRefused("InvalidParameterException", self.ecs.delete_service, cluster=self.cluster, service="app")
        deleted = self.ecs.delete_service(cluster=self.cluster, service="app", force=True)["service"]
        started = time.monotonic()
        self.assertEqual((deleted["status"], deleted["desiredCount"]), ("DRAINING", 0))
        self.assertEqual(self.describe()["status"], "DRAINING")
        self.assertEqual(self.ecs.list_services(cluster=self.cluster)["serviceArns"], [])
        self.assertRefused("ClusterContainsServicesException", self.ecs.delete_cluster, cluster=self.cluster)
        self.assertRefused(
            "ServiceNotActiveException", self.ecs.update_service, cluster=self.cluster, service="app", desiredCount=1
        )
        self.assertRefused("ServiceNotActiveException", self.ecs.delete_service, cluster=self.cluster, service="app")
        err = self.assertRefused(
            "InvalidParameterException",
            self.ecs.create_service,
            cluster=self.cluster,
            serviceName="app",
            taskDefinition=self.task,
            desiredCount=1,
        )
        self.assertIn("Draining", err.response["Error"]["Message"])
        self.wait_until(lambda: self.describe()["status"] == "INACTIVE", timeout=5, what="INACTIVE")
        aws = self.aws_seconds(time.monotonic() - started)
        self.assertGreaterEqual(aws, 60 - 30, "draining takes at least 1 AWS minute")
        self.assertLessEqual(aws, 300 + 60, "and at most 5")
        again = self.create_service(desiredCount=1)
        self.assertEqual(again["status"], "ACTIVE")

    def test_a_cluster_goes_once_its_services_are_inactive(self):
        self.create_service()
        self.assertRefused("ClusterContainsServicesException", self.ecs.delete_cluster, cluster=self.cluster)
        self.ecs.update_service(cluster=self.cluster, service="app", desiredCount=0)
        self.ecs.delete_service(cluster=self.cluster, service="app")

        def deleted():
            try:
                return self.ecs.delete_cluster(cluster=self.cluster)["cluster"]
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "ClusterContainsServicesException")
                return None

        self.assertEqual(self.wait_until(deleted, timeout=5, what="DeleteCluster")["status"], "INACTIVE")


class LinkedRoleTest(EcsCase):
    """The account's first cluster makes ECS's service-linked role, usable 5–15 AWS s later."""

    SCALE = 20

    def test_create_service_waits_for_the_service_linked_role(self):
        params = dict(cluster=self.cluster, serviceName="app", taskDefinition=self.task, desiredCount=1)
        err = self.assertRefused("InvalidParameterException", self.ecs.create_service, **params)
        self.assertIn("Unable to assume the service linked role", err.response["Error"]["Message"])
        started = time.monotonic()
        self.create_service()
        self.assertLessEqual(self.aws_seconds(time.monotonic() - started), 15 + 3)
        # A second cluster reuses the role.
        other = self.ecs.create_cluster(clusterName="other")["cluster"]["clusterArn"]
        self.ecs.create_service(cluster=other, serviceName="app", taskDefinition=self.task, desiredCount=1)


class TargetGroupTest(EcsCase):
    def setUp(self):
        super().setUp()
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{self.REGION}{az}")[
                "Subnet"
            ]["SubnetId"]
            for i, az in enumerate("ac")
        ]
        self.elb = self.client("elbv2")
        # Internal: an internet-facing load balancer needs the VPC's internet gateway.
        self.lb = self.elb.create_load_balancer(Name="web", Subnets=subnets, Scheme="internal")["LoadBalancers"][0][
            "LoadBalancerArn"
        ]
        self.tg = self.elb.create_target_group(
            Name="app", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
        self.lbs = [{"targetGroupArn": self.tg, "containerName": "web", "containerPort": 80}]

    def test_refused_until_a_listener_forwards_to_the_target_group(self):
        self.create_service(name="plain")  # waits out the service-linked role
        err = self.assertRefused(
            "InvalidParameterException",
            self.ecs.create_service,
            cluster=self.cluster,
            serviceName="app",
            taskDefinition=self.task,
            desiredCount=1,
            loadBalancers=self.lbs,
        )
        self.assertIn("does not have an associated load balancer", err.response["Error"]["Message"])
        self.assertRefused(
            "InvalidParameterException",
            self.ecs.update_service,
            cluster=self.cluster,
            service="plain",
            loadBalancers=self.lbs,
        )
        self.elb.create_listener(
            LoadBalancerArn=self.lb,
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": self.tg}],
        )
        self.create_service(loadBalancers=self.lbs)
        self.ecs.update_service(cluster=self.cluster, service="plain", loadBalancers=self.lbs)

    def test_a_listener_rule_is_enough(self):
        self.create_service(name="plain")
        listener = self.elb.create_listener(
            LoadBalancerArn=self.lb,
            Protocol="HTTP",
            Port=80,
            DefaultActions=[
                {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"}}
            ],
        )["Listeners"][0]["ListenerArn"]
        self.assertRefused(
            "InvalidParameterException",
            self.ecs.update_service,
            cluster=self.cluster,
            service="plain",
            loadBalancers=self.lbs,
        )
        self.elb.create_rule(
            ListenerArn=listener,
            Priority=10,
            Conditions=[{"Field": "path-pattern", "Values": ["/app/*"]}],
            Actions=[{"Type": "forward", "TargetGroupArn": self.tg}],
        )
        self.ecs.update_service(cluster=self.cluster, service="plain", loadBalancers=self.lbs)
