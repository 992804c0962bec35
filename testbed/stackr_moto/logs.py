"""CloudWatch Logs: a log group's KMS key changed in place, as AWS does it.

- AssociateKmsKey and DisassociateKmsKey set and clear a log group's
  ``kmsKeyId`` (DescribeLogGroups shows it); a missing group is
  ``ResourceNotFoundException``. moto 5.2 had neither and answered HTTP
  500, so changing a group's key retried until the update's timeout.
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_AssociateKmsKey.html
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DisassociateKmsKey.html
"""

from moto.logs.exceptions import ResourceNotFoundException
from moto.logs.responses import LogsResponse


def _group(self):
    name = self._get_param("logGroupName")
    group = self.logs_backend.groups.get(name)
    if group is None:
        raise ResourceNotFoundException()
    return group


def _associate_kms_key(self):
    _group(self).kms_key_id = self._get_param("kmsKeyId")
    return ""


def _disassociate_kms_key(self):
    _group(self).kms_key_id = None
    return ""


def apply():
    LogsResponse.associate_kms_key = _associate_kms_key
    LogsResponse.disassociate_kms_key = _disassociate_kms_key
