"""IAM in realistic mode: a role reaches the other services some seconds late.

IAM is eventually consistent: a change is stored at once but reaches the
other AWS services only after a while, so a service that assumes a role
just made or just changed fails meanwhile with its own "unable to assume
role" error
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).

- A role is not usable by other services for a drawn 5–15 AWS s after
  CreateRole, UpdateAssumeRolePolicy, PutRolePolicy, DeleteRolePolicy,
  AttachRolePolicy, DetachRolePolicy, PutRolePermissionsBoundary,
  DeleteRolePermissionsBoundary, or a new default version of a managed
  policy attached to it (CreatePolicyVersion with SetAsDefault,
  SetDefaultPolicyVersion); each change starts a new window. Other modules
  ask ``role_usable(account_id, role)`` (role: an ARN or a name; role names
  are unique in an account) and refuse in their own words while it is not
  (realistic/ecs.py). IAM's own reads (GetRole, ...) see a change at once.
- CreateRole / UpdateAssumeRolePolicy whose trust policy names, as an
  ``AWS`` principal, a role still in its window fail with
  MalformedPolicyDocument "Invalid principal in policy" (the page above:
  IAM's own checks of a policy may not see a principal made seconds ago).
- ``changed(account_id, role)`` starts such a window for a role AWS makes on
  the account's behalf (ECS's service-linked role, created with the
  account's first cluster); ``tracked`` says whether any window was started.
"""

import functools
import inspect
import itertools
import json
import threading

from moto.iam.exceptions import MalformedPolicyDocument
from moto.iam.models import IAMBackend

from . import clock

# AWS seconds until a change is visible to the other services.
PROPAGATION = (5, 15)

# The IAMBackend methods that change a role, all taking ``role_name``.
_ROLE_CHANGES = (
    "create_role",
    "update_assume_role_policy",
    "put_role_policy",
    "delete_role_policy",
    "attach_role_policy",
    "detach_role_policy",
    "put_role_permissions_boundary",
    "delete_role_permissions_boundary",
)

_lock = threading.Lock()
_windows = {}  # (account id, role name) -> clock.Phase
_changes = itertools.count()  # each change draws its own duration


def _name(role):
    """A role's name from its ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME) or name."""
    return role.rsplit("/", 1)[-1]


def changed(account_id, role):
    """Starts a new propagation window for the role, from now."""
    name = _name(role)
    with _lock:
        key = f"iam:{account_id}:{name}:{next(_changes)}"
        _windows[(account_id, name)] = clock.Phase(key, *PROPAGATION)


def role_usable(account_id, role):
    """Whether other services can use the role: its last change has propagated.
    A role this module never saw change (made before, or not at all) is
    not its business: usable."""
    with _lock:
        phase = _windows.get((account_id, _name(role)))
    return phase is None or phase.done()


def tracked(account_id, role):
    """Whether the role changed (or was made) while this server ran."""
    with _lock:
        return (account_id, _name(role)) in _windows


def _after_role_change(method):
    """Wraps an IAMBackend method that changes the role named ``role_name``."""
    original = getattr(IAMBackend, method)
    signature = inspect.signature(inspect.unwrap(original))

    @functools.wraps(original)
    def wrapped(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        changed(self.account_id, signature.bind(self, *args, **kwargs).arguments["role_name"])
        return result

    setattr(IAMBackend, method, wrapped)


def _aws_principals(document):
    """The ``AWS`` principals of a trust policy (ARNs or account ids)."""
    try:
        statements = json.loads(document).get("Statement", [])
    except (ValueError, AttributeError):
        return []  # moto's own validation reports it
    found = []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        aws = principal.get("AWS", []) if isinstance(principal, dict) else []
        found += aws if isinstance(aws, list) else [aws]
    return found


def _refuse_unpropagated_principals(method, document_arg):
    """A trust policy may name only roles the other services already see."""
    original = getattr(IAMBackend, method)
    signature = inspect.signature(inspect.unwrap(original))

    @functools.wraps(original)
    def wrapped(self, *args, **kwargs):
        document = signature.bind(self, *args, **kwargs).arguments[document_arg]
        for arn in _aws_principals(document):
            # arn:aws:iam::ACCOUNT:role/PATH/NAME
            parts = arn.split(":") if isinstance(arn, str) else []
            if len(parts) == 6 and parts[5].startswith("role/") and not role_usable(parts[4], arn):
                raise MalformedPolicyDocument(f'Invalid principal in policy: "AWS":"{arn}"')
        return original(self, *args, **kwargs)

    setattr(IAMBackend, method, wrapped)


def _roles_attached_to(backend, policy_arn):
    return [role.name for role in backend.roles.values() if policy_arn in role.managed_policies]


def _after_default_version_change():
    """A new default version of a managed policy changes every role it is attached to."""
    create_version = IAMBackend.create_policy_version

    @functools.wraps(create_version)
    def create_policy_version(self, policy_arn, policy_document, set_as_default):
        result = create_version(self, policy_arn, policy_document, set_as_default)
        if str(set_as_default).lower() == "true":
            for name in _roles_attached_to(self, policy_arn):
                changed(self.account_id, name)
        return result

    IAMBackend.create_policy_version = create_policy_version

    set_default = IAMBackend.set_default_policy_version

    @functools.wraps(set_default)
    def set_default_policy_version(self, policy_arn, version_id):
        result = set_default(self, policy_arn, version_id)
        for name in _roles_attached_to(self, policy_arn):
            changed(self.account_id, name)
        return result

    IAMBackend.set_default_policy_version = set_default_policy_version


def apply():
    for method in _ROLE_CHANGES:
        _after_role_change(method)
    _refuse_unpropagated_principals("create_role", "assume_role_policy_document")
    _refuse_unpropagated_principals("update_assume_role_policy", "policy_document")
    _after_default_version_change()
