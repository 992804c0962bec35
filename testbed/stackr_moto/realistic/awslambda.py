"""Lambda functions at AWS's pace (realistic mode).

moto makes a function ``Active`` at once and its updates ``Successful``
before they return. AWS documents function states
(https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html):

- A new function is ``Pending`` (StateReasonCode ``Creating``) while Lambda
  makes its resources, then ``Active``: here for a drawn 2-10 AWS seconds,
  30-90 with a VPC configuration (its network interfaces). "While the
  function is Pending ... operations that act on the function, including
  updating the code and configuration, fail": UpdateFunctionCode and
  UpdateFunctionConfiguration are refused with
  ``ResourceConflictException`` (HTTP 409).
  https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
- An accepted UpdateFunctionCode or UpdateFunctionConfiguration sets
  LastUpdateStatus ``InProgress`` (LastUpdateStatusReasonCode not given)
  for a drawn 2-10 AWS seconds (30-90 with a VPC configuration), then
  ``Successful``; "While the update is in progress ... you can't modify
  the function": another update meanwhile is refused with
  ``ResourceConflictException`` ("An update is in progress for resource").
  https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
  https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html

Reads (GetFunction, GetFunctionConfiguration, ListFunctions) show the
state of the phase under way.
"""

import threading

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction

from . import clock
from .._util import wrap_method as _wrap

# Drawn durations, in AWS seconds.
PENDING = (2, 10)
PENDING_VPC = (30, 90)
UPDATING = (2, 10)
UPDATING_VPC = (30, 90)

_lock = threading.RLock()


class ResourceConflict(LambdaClientError):
    code = 409

    def __init__(self, message):
        super().__init__("ResourceConflictException", message)


def _in_vpc(fn):
    return bool((fn.vpc_config or {}).get("SubnetIds"))


def _start(fn, kind, span):
    clock.begin(fn, f"lambda:{fn.function_arn}", kind, span)


def _phase(fn):
    """``creating`` or ``updating`` while that phase lasts, else None."""
    return clock.current(fn)


def _refuse_while_busy(fn):
    phase = _phase(fn)
    if phase == "creating":
        raise ResourceConflict(
            "The operation cannot be performed at this time. The function is currently in the following state: Pending"
        )
    if phase == "updating":
        raise ResourceConflict(
            f"The operation cannot be performed at this time. An update is in progress for resource: {fn.function_arn}"
        )


def apply():
    @_wrap(LambdaBackend, "create_function")
    def create_function(original, self, spec):
        fn = original(self, spec)
        live = self.get_function(fn.function_name)
        _start(live, "creating", PENDING_VPC if _in_vpc(live) else PENDING)
        return fn

    def updating(name):
        @_wrap(LambdaBackend, name)
        def update(original, self, function_name, qualifier, body):
            fn = self.get_function(function_name, qualifier)
            with _lock:
                _refuse_while_busy(fn)
                out = original(self, function_name, qualifier, body)
                _start(fn, "updating", UPDATING_VPC if _in_vpc(fn) else UPDATING)
            if isinstance(out, dict) and "LastUpdateStatus" in out:
                out["LastUpdateStatus"] = "InProgress"
            return out

    updating("update_function_code")
    updating("update_function_configuration")

    @_wrap(LambdaFunction, "get_configuration")
    def get_configuration(original, self, on_create=False):
        config = original(self, on_create)
        phase = _phase(self)
        if phase == "creating":
            config.update(State="Pending", StateReason="The function is being created.", StateReasonCode="Creating")
        elif phase == "updating":
            config["LastUpdateStatus"] = "InProgress"
        return config
