"""A task definition family's revision numbers only grow, as in AWS."""

from .realistic_base import RealisticCase


class RevisionsOnlyGrow(RealisticCase):
    REALISTIC = False

    def test_a_deleted_latest_revision_is_not_numbered_again(self):
        ecs = self.client("ecs")
        containers = [{"name": "app", "image": "nginx", "memory": 128}]

        def register():
            made = ecs.register_task_definition(family="grow", containerDefinitions=containers)
            return made["taskDefinition"]["revision"]

        self.assertEqual([register(), register()], [1, 2])
        arn = ecs.describe_task_definition(taskDefinition="grow:2")["taskDefinition"]["taskDefinitionArn"]
        ecs.deregister_task_definition(taskDefinition=arn)
        ecs.delete_task_definitions(taskDefinitions=[arn])
        self.assertEqual(register(), 3)
