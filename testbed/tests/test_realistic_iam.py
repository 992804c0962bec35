"""Realistic IAM: a role made or changed is usable by other services (here
ECS) only 5–15 AWS s later."""

import json
import sys
import time
import unittest

from botocore.exceptions import ClientError

from .realistic_base import TESTBED, RealisticCase

sys.path.insert(0, TESTBED)
from stackr_moto.realistic import clock, iam  # noqa: E402

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
CONTAINER = [{"name": "web", "image": "nginx", "memory": 128}]


class RoleWindowTest(unittest.TestCase):
    """``role_usable`` itself, in-process."""

    def tearDown(self):
        clock.configure(enabled=False)

    def test_a_change_opens_a_window_by_role_name(self):
        clock.configure(scale=1000, seed="5")
        self.assertTrue(iam.role_usable("111111111111", "never-seen"))
        iam.changed("111111111111", "arn:aws:iam::111111111111:role/service/app-task")
        self.assertFalse(iam.role_usable("111111111111", "app-task"))
        self.assertFalse(iam.role_usable("111111111111", "arn:aws:iam::111111111111:role/app-task"))
        self.assertTrue(iam.role_usable("222222222222", "app-task"), "another account's role of that name")
        self.assertTrue(iam.tracked("111111111111", "app-task"))
        time.sleep(15 / 1000 + 0.01)
        self.assertTrue(iam.role_usable("111111111111", "app-task"))
        iam.changed("111111111111", "app-task")
        self.assertFalse(iam.role_usable("111111111111", "app-task"), "each change opens a new window")


class RolePropagationTest(RealisticCase):
    SCALE = 20  # the window is 0.25–0.75 s

    def setUp(self):
        super().setUp()
        self.iam = self.client("iam")
        self.ecs = self.client("ecs")
        self.cluster = self.ecs.create_cluster(clusterName="web")["cluster"]["clusterArn"]
        # The cluster made ECS's service-linked role: wait until it is usable.
        plain = self.register("plain")
        self.until_accepted(
            lambda: self.ecs.create_service(cluster=self.cluster, serviceName="probe", taskDefinition=plain)
        )

    def role(self, name):
        return self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]

    def register(self, family, **roles):
        return self.ecs.register_task_definition(family=family, containerDefinitions=CONTAINER, **roles)[
            "taskDefinition"
        ]["taskDefinitionArn"]

    def until_accepted(self, call):
        """Retries ``call`` while ECS cannot assume a role yet; returns its answer."""

        def attempt():
            try:
                return call()
            except ClientError as e:
                if e.response["Error"]["Code"] == "InvalidParameterException" and "assume" in str(e):
                    return None
                raise

        return self.wait_until(attempt, timeout=5, pause=0.01, what="the role to propagate")

    def refused_for_role(self, call, text):
        err = self.assertRefused("InvalidParameterException", call)
        self.assertIn(text, err.response["Error"]["Message"])

    def test_a_new_task_and_execution_role_are_refused_then_accepted(self):
        task, execution = self.role("app-task"), self.role("app-execution")
        started = time.monotonic()
        td = self.register("app", taskRoleArn=task, executionRoleArn=execution)
        self.assertEqual(self.iam.get_role(RoleName="app-task")["Role"]["Arn"], task, "IAM itself sees it at once")

        def create():
            return self.ecs.create_service(cluster=self.cluster, serviceName="app", taskDefinition=td)

        self.refused_for_role(create, "unable to assume the role")
        self.until_accepted(create)
        self.assertLessEqual(self.aws_seconds(time.monotonic() - started), 15 + 3)

    def test_a_policy_change_opens_the_window_again(self):
        arn = self.role("app-task")
        td = self.register("app", taskRoleArn=arn)
        self.until_accepted(lambda: self.ecs.create_service(cluster=self.cluster, serviceName="app", taskDefinition=td))
        policy = self.iam.create_policy(PolicyName="app", PolicyDocument=POLICY)["Policy"]["Arn"]

        def deploy():
            return self.ecs.update_service(cluster=self.cluster, service="app", forceNewDeployment=True)

        for change in (
            lambda: self.iam.attach_role_policy(RoleName="app-task", PolicyArn=policy),
            lambda: self.iam.put_role_policy(RoleName="app-task", PolicyName="inline", PolicyDocument=POLICY),
            lambda: self.iam.create_policy_version(PolicyArn=policy, PolicyDocument=POLICY, SetAsDefault=True),
            lambda: self.iam.update_assume_role_policy(RoleName="app-task", PolicyDocument=TRUST),
        ):
            change()
            self.refused_for_role(deploy, "unable to assume the role")
            self.until_accepted(deploy)

    def test_a_trust_policy_naming_a_new_role_is_refused_then_accepted(self):
        deployer = self.role("deployer")
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": deployer}, "Action": "sts:AssumeRole"}],
            }
        )

        def create():
            return self.iam.create_role(RoleName="app-admin", AssumeRolePolicyDocument=trust)

        err = self.assertRefused("MalformedPolicyDocument", create)
        self.assertIn("Invalid principal", err.response["Error"]["Message"])
        self.assertRefused("NoSuchEntity", self.iam.get_role, RoleName="app-admin")

        def attempt():
            try:
                return create()
            except ClientError as e:
                if e.response["Error"]["Code"] == "MalformedPolicyDocument":
                    return None
                raise

        self.wait_until(attempt, timeout=5, pause=0.01, what="the principal to propagate")

    def test_the_service_role_of_a_load_balanced_service(self):
        ec2, elb = self.client("ec2"), self.client("elbv2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{self.REGION}{az}")[
                "Subnet"
            ]["SubnetId"]
            for i, az in enumerate("ac")
        ]
        lb = elb.create_load_balancer(Name="web", Subnets=subnets, Scheme="internal")["LoadBalancers"][0]
        tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
        elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
        )
        role = self.role("ecsServiceRole")
        td = self.register("app")

        def create():
            return self.ecs.create_service(
                cluster=self.cluster,
                serviceName="app",
                taskDefinition=td,
                role=role,
                loadBalancers=[{"targetGroupArn": tg["TargetGroupArn"], "containerName": "web", "containerPort": 80}],
            )

        self.refused_for_role(create, "Unable to assume role and validate the specified targetGroupArn")
        self.until_accepted(create)
