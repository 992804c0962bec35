"""EFS at AWS's pace (realistic mode).

moto makes file systems and mount targets ``available`` at once and removes
them the instant they are deleted. Here:

- A new file system is ``creating`` for a drawn 10-60 AWS seconds, then
  ``available``. Until then PutLifecycleConfiguration, PutBackupPolicy,
  PutFileSystemPolicy, UpdateFileSystem, CreateMountTarget and
  CreateAccessPoint are refused with ``IncorrectFileSystemLifeCycleState``
  (HTTP 409): "Returned if the file system's lifecycle state is not
  available", listed among the errors of each of these operations.
  https://docs.aws.amazon.com/efs/latest/ug/API_CreateFileSystem.html
  https://docs.aws.amazon.com/efs/latest/ug/API_PutLifecycleConfiguration.html
  https://docs.aws.amazon.com/efs/latest/ug/API_PutBackupPolicy.html
  https://docs.aws.amazon.com/efs/latest/ug/API_PutFileSystemPolicy.html
  https://docs.aws.amazon.com/efs/latest/ug/API_CreateMountTarget.html
  ("the file system's lifecycle state must be available")
  https://docs.aws.amazon.com/efs/latest/ug/API_CreateAccessPoint.html
- UpdateFileSystem puts the file system in ``updating`` (a LifeCycleState
  value AWS documents) for a drawn 10-60 AWS seconds; the same refusals
  hold meanwhile.
  https://docs.aws.amazon.com/efs/latest/ug/API_UpdateFileSystem.html
  https://docs.aws.amazon.com/efs/latest/ug/API_FileSystemDescription.html
- DeleteFileSystem is refused with ``FileSystemInUse`` (HTTP 409) while the
  file system has mount targets, counting those still ``deleting``. It
  "returns while the file system state is still deleting": the file system
  is listed ``deleting`` (its creation token still taken) for a drawn 5-30
  AWS seconds, then DescribeFileSystems answers ``FileSystemNotFound``. A
  second DeleteFileSystem meanwhile is accepted again.
  https://docs.aws.amazon.com/efs/latest/ug/API_DeleteFileSystem.html
- A new mount target is ``creating`` for a drawn 1-3 AWS minutes, then
  ``available``. DeleteMountTarget (which AWS accepts in any state: its
  errors list no state error) "returns while the mount target state is
  still deleting": it is listed ``deleting`` for a drawn 1-2 AWS minutes,
  still counted by its file system and still holding its zone
  (``MountTargetConflict`` for a new one there), then gone
  (``MountTargetNotFound``).
  https://docs.aws.amazon.com/efs/latest/ug/API_CreateMountTarget.html
  https://docs.aws.amazon.com/efs/latest/ug/API_DeleteMountTarget.html
- ModifyMountTargetSecurityGroups "requires that the network interface of
  the mount target has been created and the lifecycle state of the mount
  target is not deleted": refused with ``IncorrectMountTargetState`` (HTTP
  409) once the mount target is ``deleting`` (its interface is being
  deleted). UpdateFileSystem and the other file system calls do not list
  ``IncorrectMountTargetState``, so mount targets changing do not refuse
  them.
  https://docs.aws.amazon.com/efs/latest/ug/API_ModifyMountTargetSecurityGroups.html

``life_cycle_state`` of moto's FileSystem and MountTarget shows these
states to every reader in this process (``deleted`` once a deletion has
run its course), so other modules can follow them.
"""

import threading

from moto.efs import exceptions as exc
from moto.efs.models import EFSBackend, FileSystem, MountTarget

from . import clock
from .._util import wrap_method as _wrap

# Drawn durations, in AWS seconds (shared/aws-timings.md).
FS_CREATING = (10, 60)
FS_UPDATING = (10, 60)
FS_DELETING = (5, 30)
MT_CREATING = (60, 180)
MT_DELETING = (60, 120)

_lock = threading.RLock()


class IncorrectFileSystemLifeCycleState(exc.EFSError):
    code = 409

    def __init__(self, fs, state):
        super().__init__(
            "IncorrectFileSystemLifeCycleState",
            f"File system '{fs.file_system_id}' is in life cycle state '{state}'; it must be 'available'.",
        )


class IncorrectMountTargetState(exc.EFSError):
    code = 409

    def __init__(self, mt, state):
        super().__init__(
            "IncorrectMountTargetState",
            f"Mount target '{mt.mount_target_id}' is in life cycle state '{state}'.",
        )



# --- phases: a state that lasts a drawn time ---------------------------------


def _start(obj, state, ident, span):
    """Puts ``obj`` in ``state`` for a duration drawn from ``span`` (AWS s)."""
    clock.begin(obj, f"efs:{ident}", state, span)


def _shown(obj, underlying):
    """The state to show: the phase's while it lasts; after a deletion, ``deleted``."""
    phase = obj.__dict__.get("_stackr_phase")
    if phase is None:
        return underlying
    state, timer = phase
    if not timer.done():
        return state
    return "deleted" if state == "deleting" else underlying


def _state_property(cls):
    """Makes ``cls.life_cycle_state`` show the phase, keeping what was there
    (a property another module installed, or moto's plain attribute)."""
    current = cls.__dict__.get("life_cycle_state")
    if isinstance(current, property):
        get, put = current.fget, current.fset
    else:

        def get(self):
            return self.__dict__.get("_stackr_life_cycle_state")

        def put(self, value):
            self.__dict__["_stackr_life_cycle_state"] = value

    cls.life_cycle_state = property(lambda self: _shown(self, get(self)), put)

    # moto's info_json lists the object's public __dict__, where the state
    # no longer lives: the answer gets it from the property.
    @_wrap(cls, "info_json")
    def info_json(original, self):
        out = original(self)
        out["LifeCycleState"] = self.life_cycle_state
        return out


def _require_available(fs):
    state = fs.life_cycle_state
    if state != "available":
        raise IncorrectFileSystemLifeCycleState(fs, state)


# --- what a finished deletion removes ----------------------------------------


def _purge(backend):
    """Forgets mount targets, then file systems, whose deletion has run its course."""
    for mt_id, mt in list(backend.mount_targets_by_id.items()):
        if mt.life_cycle_state == "deleted":
            del backend.mount_targets_by_id[mt_id]
            mt._file_system.remove_mount_target(mt._subnet)
    for fs_id, fs in list(backend.file_systems_by_id.items()):
        if fs.life_cycle_state == "deleted":
            del backend.file_systems_by_id[fs_id]
            backend.creation_tokens.discard(fs.creation_token)


def _purging(name):
    @_wrap(EFSBackend, name)
    def purged_first(original, self, *args, **kwargs):
        with _lock:
            _purge(self)
        return original(self, *args, **kwargs)


def _needs_available(name, position):
    """``name`` is refused unless its file system (argument ``file_system_id``,
    or positional ``position``) is ``available``."""

    @_wrap(EFSBackend, name)
    def guarded(original, self, *args, **kwargs):
        fs_id = kwargs.get("file_system_id", args[position] if len(args) > position else None)
        with _lock:
            _purge(self)
            fs = self.file_systems_by_id.get(fs_id)
            if fs is not None:
                _require_available(fs)
        return original(self, *args, **kwargs)


def apply():
    _state_property(FileSystem)
    _state_property(MountTarget)

    for name in (
        "describe_file_systems",
        "describe_mount_targets",
        "describe_mount_target_security_groups",
        "describe_lifecycle_configuration",
        "describe_backup_policy",
        "describe_access_points",
    ):
        _purging(name)
    for name, position in (
        ("put_lifecycle_configuration", 0),
        ("put_backup_policy", 0),
        ("put_file_system_policy", 0),
        ("update_file_system", 0),
        ("create_access_point", 2),
    ):
        _needs_available(name, position)

    @_wrap(EFSBackend, "create_file_system")
    def create_file_system(original, self, *args, **kwargs):
        with _lock:
            _purge(self)
            fs = original(self, *args, **kwargs)
            _start(fs, "creating", fs.file_system_id, FS_CREATING)
            return fs

    @_wrap(EFSBackend, "update_file_system")
    def update_file_system(original, self, *args, **kwargs):
        with _lock:
            fs = original(self, *args, **kwargs)
            _start(fs, "updating", fs.file_system_id, FS_UPDATING)
            return fs

    @_wrap(EFSBackend, "delete_file_system")
    def delete_file_system(original, self, file_system_id):
        with _lock:
            _purge(self)
            fs = self.file_systems_by_id.get(file_system_id)
            if fs is not None and fs.life_cycle_state == "deleting":
                return None
            # moto refuses (FileSystemInUse, counting mount targets still
            # deleting, which stay attached) or removes it at once...
            original(self, file_system_id)
            # ...but AWS lists it `deleting` for a while, its token taken.
            self.file_systems_by_id[file_system_id] = fs
            self.creation_tokens.add(fs.creation_token)
            _start(fs, "deleting", file_system_id, FS_DELETING)
            return None

    @_wrap(EFSBackend, "create_mount_target")
    def create_mount_target(original, self, file_system_id, subnet_id, ip_address=None, security_groups=None):
        with _lock:
            _purge(self)
            fs = self.file_systems_by_id.get(file_system_id)
            if fs is not None:
                _require_available(fs)
            mt = original(
                self,
                file_system_id=file_system_id,
                subnet_id=subnet_id,
                ip_address=ip_address,
                security_groups=security_groups,
            )
            _start(mt, "creating", mt.mount_target_id, MT_CREATING)
            return mt

    @_wrap(EFSBackend, "delete_mount_target")
    def delete_mount_target(original, self, mount_target_id):
        with _lock:
            _purge(self)
            mt = self.mount_targets_by_id.get(mount_target_id)
            if mt is not None and mt.life_cycle_state == "deleting":
                return None
            # moto deletes its interface and forgets it at once...
            original(self, mount_target_id)
            # ...AWS lists it `deleting`, still one of its file system's.
            self.mount_targets_by_id[mount_target_id] = mt
            mt._file_system.add_mount_target(mt._subnet, mt)
            _start(mt, "deleting", mount_target_id, MT_DELETING)
            return None

    @_wrap(EFSBackend, "modify_mount_target_security_groups")
    def modify_groups(original, self, mount_target_id, security_groups):
        with _lock:
            _purge(self)
            mt = self.mount_targets_by_id.get(mount_target_id)
            if mt is not None and mt.life_cycle_state in ("deleting", "deleted"):
                raise IncorrectMountTargetState(mt, mt.life_cycle_state)
        return original(self, mount_target_id, security_groups)
