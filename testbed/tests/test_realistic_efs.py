"""Realistic EFS: file systems and mount targets take AWS's time, and what
AWS refuses meanwhile is refused with its codes."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class EfsCase(RealisticCase):
    # EFS is quick (a file system is ready in 10-60 AWS s): at 60x its
    # `creating` still lasts long enough to be refused in.
    SCALE = 60

    def setUp(self):
        super().setUp()
        self.efs = self.client("efs")
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{self.REGION}a")[
            "Subnet"
        ]["SubnetId"]

    def fs_state(self, fs_id):
        try:
            return self.efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["LifeCycleState"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "FileSystemNotFound":
                return "gone"
            raise

    def mt_state(self, mt_id):
        try:
            return self.efs.describe_mount_targets(MountTargetId=mt_id)["MountTargets"][0]["LifeCycleState"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "MountTargetNotFound":
                return "gone"
            raise

    def available_fs(self, token):
        fs_id = self.efs.create_file_system(CreationToken=token)["FileSystemId"]
        self.wait_until(lambda: self.fs_state(fs_id) == "available", what="file system available")
        return fs_id

    def refused_409(self, code, fn, *args, **kwargs):
        err = self.assertRefused(code, fn, *args, **kwargs)
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 409)


class FileSystemTest(EfsCase):
    def test_creating_then_available_and_refused_until_then(self):
        made = self.efs.create_file_system(CreationToken="fs-early")
        fs_id = made["FileSystemId"]
        self.assertEqual(made["LifeCycleState"], "creating")

        code = "IncorrectFileSystemLifeCycleState"
        policies = [{"TransitionToIA": "AFTER_30_DAYS"}]
        self.refused_409(code, self.efs.put_lifecycle_configuration, FileSystemId=fs_id, LifecyclePolicies=policies)
        self.refused_409(code, self.efs.put_backup_policy, FileSystemId=fs_id, BackupPolicy={"Status": "DISABLED"})
        self.refused_409(code, self.efs.update_file_system, FileSystemId=fs_id, ThroughputMode="elastic")
        self.refused_409(code, self.efs.create_mount_target, FileSystemId=fs_id, SubnetId=self.subnet)
        self.refused_409(code, self.efs.create_access_point, FileSystemId=fs_id, ClientToken="ap-1")

        self.assertEqual(self.states_until(lambda: self.fs_state(fs_id), "available"), ["creating", "available"])
        self.efs.put_lifecycle_configuration(FileSystemId=fs_id, LifecyclePolicies=policies)
        self.efs.put_backup_policy(FileSystemId=fs_id, BackupPolicy={"Status": "DISABLED"})
        self.efs.create_access_point(FileSystemId=fs_id, ClientToken="ap-1")

    def test_update_makes_it_updating_for_a_while(self):
        fs_id = self.available_fs("fs-update")
        answer = self.efs.update_file_system(FileSystemId=fs_id, ThroughputMode="elastic")
        self.assertEqual(answer["LifeCycleState"], "updating")
        self.refused_409(
            "IncorrectFileSystemLifeCycleState",
            self.efs.put_lifecycle_configuration,
            FileSystemId=fs_id,
            LifecyclePolicies=[{"TransitionToIA": "AFTER_7_DAYS"}],
        )
        self.assertEqual(self.states_until(lambda: self.fs_state(fs_id), "available"), ["updating", "available"])
        self.efs.put_lifecycle_configuration(FileSystemId=fs_id, LifecyclePolicies=[{"TransitionToIA": "AFTER_7_DAYS"}])


class MountTargetTest(EfsCase):
    # A file system is `deleting` for 5-30 AWS seconds: at 60x that can be
    # 83 ms, which a busy two-core machine spends between the delete and
    # the next read. At 20x (250 ms at the least) the state just after the
    # delete is still seen, as a client of AWS would see it.
    SCALE = 20

    def test_mount_targets_come_and_go_and_hold_their_file_system(self):
        fs_id = self.available_fs("fs-mounted")
        made = self.efs.create_mount_target(FileSystemId=fs_id, SubnetId=self.subnet)
        mt_id = made["MountTargetId"]
        self.assertEqual(made["LifeCycleState"], "creating")
        self.assertEqual(self.states_until(lambda: self.mt_state(mt_id), "available"), ["creating", "available"])

        self.refused_409("FileSystemInUse", self.efs.delete_file_system, FileSystemId=fs_id)
        self.efs.delete_mount_target(MountTargetId=mt_id)
        self.assertEqual(self.mt_state(mt_id), "deleting")
        # Still the file system's, and still holding its zone.
        fs = self.efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
        self.assertEqual(fs["NumberOfMountTargets"], 1)
        self.refused_409("FileSystemInUse", self.efs.delete_file_system, FileSystemId=fs_id)
        self.refused_409(
            "IncorrectMountTargetState",
            self.efs.modify_mount_target_security_groups,
            MountTargetId=mt_id,
            SecurityGroups=[],
        )
        self.assertRefused(
            "MountTargetConflict", self.efs.create_mount_target, FileSystemId=fs_id, SubnetId=self.subnet
        )
        # `deleted` (a LifeCycleState AWS lists) may be read in the instant
        # between the deletion's end and its purge, on a busy machine.
        self.assertEqual(
            [s for s in self.states_until(lambda: self.mt_state(mt_id), "gone") if s != "deleted"],
            ["deleting", "gone"],
        )

        self.efs.delete_file_system(FileSystemId=fs_id)
        self.assertEqual(self.fs_state(fs_id), "deleting")
        # Its creation token is still taken while it goes.
        self.assertRefused("FileSystemAlreadyExists", self.efs.create_file_system, CreationToken="fs-mounted")
        # `deleting` lasts 5-30 AWS seconds (under 0.1 s here at the least):
        # it was seen above, so the states read from now on may begin with
        # it or, on a busy machine, already be `gone`.
        after = self.states_until(lambda: self.fs_state(fs_id), "gone")
        self.assertEqual(["deleting"] + [s for s in after if s not in ("deleting", "deleted")], ["deleting", "gone"])
        self.efs.create_file_system(CreationToken="fs-mounted")

    def test_a_mount_target_still_creating_can_be_deleted(self):
        fs_id = self.available_fs("fs-quick")
        mt_id = self.efs.create_mount_target(FileSystemId=fs_id, SubnetId=self.subnet)["MountTargetId"]
        self.efs.delete_mount_target(MountTargetId=mt_id)
        self.assertEqual(self.mt_state(mt_id), "deleting")
        self.wait_until(lambda: self.mt_state(mt_id) == "gone", what="mount target gone")
