"""KMS keys' rotation period and deletion, as AWS documents them.

- EnableKeyRotation takes ``RotationPeriodInDays`` (90 to 2560, default 365;
  ``ValidationException`` outside) and GetKeyRotationStatus reports it while
  rotation is on. moto ignored the period and never reported it, so a stack
  setting ``rotation_period_in_days`` would always look drifted.
  https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html
  https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html
- ScheduleKeyDeletion of a key already ``PendingDeletion`` is refused with
  ``KMSInvalidStateException`` (the key state table: a pending key takes
  only CancelKeyDeletion and reads); moto scheduled it again.
  https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
"""

import json

from moto.core.exceptions import JsonRESTError
from moto.kms import responses
from moto.kms.exceptions import ValidationException

DEFAULT_PERIOD = 365
_enable = responses.KmsResponse.enable_key_rotation
_disable = responses.KmsResponse.disable_key_rotation
_status = responses.KmsResponse.get_key_rotation_status
_schedule = responses.KmsResponse.schedule_key_deletion


def _key(self):
    return self.kms_backend.keys.get(self.kms_backend.get_key_id(self._get_param("KeyId")))


def _enable_key_rotation(self):
    period = self._get_param("RotationPeriodInDays")
    if period is not None and not 90 <= int(period) <= 2560:
        raise ValidationException(
            f"1 validation error detected: Value '{period}' at 'rotationPeriodInDays' failed to satisfy "
            "constraint: Member must have value between 90 and 2560"
        )
    out = _enable(self)
    key = _key(self)
    if key is not None:
        key.stackr_rotation_period = int(period) if period is not None else DEFAULT_PERIOD
    return out


def _get_key_rotation_status(self):
    out = json.loads(_status(self))
    key = _key(self)
    if out.get("KeyRotationEnabled") and key is not None:
        out["RotationPeriodInDays"] = getattr(key, "stackr_rotation_period", DEFAULT_PERIOD)
    return json.dumps(out)


def _schedule_key_deletion(self):
    key = _key(self)
    if key is not None and key.key_state in ("PendingDeletion", "PendingReplicaDeletion"):
        raise JsonRESTError("KMSInvalidStateException", f"{key.arn} is pending deletion.")
    return _schedule(self)


def apply():
    responses.KmsResponse.enable_key_rotation = _enable_key_rotation
    responses.KmsResponse.get_key_rotation_status = _get_key_rotation_status
    responses.KmsResponse.schedule_key_deletion = _schedule_key_deletion
