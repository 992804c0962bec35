"""EFS file systems and access points, as the AWS API reference describes them.

moto 5.2 leaves out, and this module adds:

- ``UpdateFileSystem`` (throughput mode, provisioned throughput): answers the
  file system's description, HTTP 202. ``provisioned`` needs
  ``ProvisionedThroughputInMibps`` (``BadRequest``); the throughput given
  outside ``provisioned`` mode is refused the same way.
- ``PutBackupPolicy``: ``ENABLED`` / ``DISABLED``; ``DescribeBackupPolicy``
  then reports that status (moto knows only "enabled at create").
- ``CreateAccessPoint`` honours ``ClientToken``: a retry with the same token
  answers the access point made the first time (moto makes another), and the
  same token with other settings is ``AccessPointAlreadyExists``.
- ``DeleteAccessPoint`` of an unknown id is ``AccessPointNotFound`` (moto
  answers success).
"""

import json

from moto.efs import exceptions as exc
from moto.efs.models import EFSBackend, FileSystem
from moto.efs.responses import EFSResponse

from ._util import add_method
from ._util import wrap_method as _wrap

_THROUGHPUT_MODES = ("bursting", "provisioned", "elastic")


class AccessPointAlreadyExists(exc.EFSError):
    code = 409

    def __init__(self, access_point_id):
        super().__init__("AccessPointAlreadyExists", f"An access point with this client token already exists: {access_point_id}")
        self.access_point_id = access_point_id



def _backup_status(self):
    return self.__dict__.get("_stackr_backup") or ("ENABLED" if self._backup else None)


def apply():
    FileSystem.backup_policy = property(lambda self: {"Status": _backup_status(self)} if _backup_status(self) else None)

    @add_method(EFSBackend, "update_file_system")
    def update_file_system(self, file_system_id, throughput_mode, provisioned_throughput_in_mibps):
        _, found = self.describe_file_systems(file_system_id=file_system_id)
        fs = found[0]
        mode = throughput_mode or fs.throughput_mode
        if mode not in _THROUGHPUT_MODES:
            raise exc.BadRequest(f"ThroughputMode must be one of {', '.join(_THROUGHPUT_MODES)}.")
        if mode == "provisioned":
            mibps = provisioned_throughput_in_mibps or fs.provisioned_throughput_in_mibps
            if not mibps:
                raise exc.BadRequest("ProvisionedThroughputInMibps is required in provisioned throughput mode.")
            fs.provisioned_throughput_in_mibps = float(mibps)
        elif provisioned_throughput_in_mibps:
            raise exc.BadRequest("ProvisionedThroughputInMibps is only valid in provisioned throughput mode.")
        else:
            fs.provisioned_throughput_in_mibps = None
        fs.throughput_mode = mode
        return fs

    @add_method(EFSResponse, "update_file_system")
    def update_response(self):
        fs = self.efs_backend.update_file_system(
            self._get_param("FileSystemId"),
            self._get_param("ThroughputMode"),
            self._get_param("ProvisionedThroughputInMibps"),
        )
        return json.dumps(fs.info_json()), {"status": 202, "Content-Type": "application/json"}

    @add_method(EFSBackend, "put_backup_policy")
    def put_backup_policy(self, file_system_id, status):
        _, found = self.describe_file_systems(file_system_id=file_system_id)
        if status not in ("ENABLED", "DISABLED"):
            raise exc.BadRequest("BackupPolicy.Status must be ENABLED or DISABLED.")
        found[0]._stackr_backup = status
        return {"Status": status}

    @add_method(EFSResponse, "put_backup_policy")
    def put_backup_response(self):
        policy = self._get_param("BackupPolicy") or {}
        result = self.efs_backend.put_backup_policy(self._get_param("FileSystemId"), policy.get("Status"))
        return json.dumps({"BackupPolicy": result}), {"Content-Type": "application/json"}

    @_wrap(EFSBackend, "create_access_point")
    def create_access_point(original, self, client_token, tags, file_system_id, posix_user, root_directory):
        if file_system_id not in self.file_systems_by_id:
            raise exc.FileSystemNotFound(file_system_id)
        for ap in self.access_points.values():
            if client_token and ap.client_token == client_token:
                same = ap.file_system_id == file_system_id and ap.posix_user == posix_user
                if not same:
                    raise AccessPointAlreadyExists(ap.access_point_id)
                return ap
        return original(self, client_token, tags=tags, file_system_id=file_system_id, posix_user=posix_user, root_directory=root_directory)

    @_wrap(EFSBackend, "delete_access_point")
    def delete_access_point(original, self, access_point_id):
        if access_point_id not in self.access_points:
            raise exc.AccessPointNotFound(access_point_id)
        original(self, access_point_id)
        self.tagging_service.delete_all_tags_for_resource(access_point_id)
