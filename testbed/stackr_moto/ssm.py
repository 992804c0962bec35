"""Systems Manager Parameter Store, as AWS pages it.

- DescribeParameters honours ``MaxResults`` (1-50; AWS's range, refused
  with ``ValidationException`` outside it). moto answered ten parameters
  a page whatever was asked, so reading 1,000 parameters took 100 calls
  where AWS takes 20.
  https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeParameters.html
"""

from moto.core.responses import ActionResult
from moto.ssm import responses
from moto.ssm.exceptions import ValidationException

DEFAULT_PAGE = 10
MAX_PAGE = 50


def _describe_parameters(self):
    page_size = self._get_param("MaxResults")
    if page_size is None:
        page_size = DEFAULT_PAGE
    page_size = int(page_size)
    if not 1 <= page_size <= MAX_PAGE:
        raise ValidationException(
            f"1 validation error detected: Value '{page_size}' at 'maxResults' failed to satisfy constraint: "
            f"Member must have value less than or equal to {MAX_PAGE}"
        )
    token = self._get_param("NextToken")
    token = int(token.strip()) if hasattr(token, "strip") and token.strip() else 0
    result = self.ssm_backend.describe_parameters(self._get_param("Filters"), self._get_param("ParameterFilters"))
    page = result[token : token + page_size]
    response = {"Parameters": [p.describe_response_object(False) for p in page]}
    if token + page_size < len(result):
        response["NextToken"] = str(token + page_size)
    return ActionResult(response)


def apply():
    responses.SimpleSystemManagerResponse.describe_parameters = _describe_parameters
