"""IAM: AWS managed policies exist, as in every AWS account.

moto leaves out the AWS managed policies (arn:aws:iam::aws:policy/...)
unless asked; a stack that attaches one (the ECS task execution role's
AmazonECSTaskExecutionRolePolicy) then fails with NoSuchEntity, which AWS
never says. ``apply()`` turns moto's own loading of them on for every
account (``MOTO_IAM_LOAD_MANAGED_POLICIES``), unless the environment
already decided.
"""

import os


def apply():
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
