"""EC2: a deleted NAT gateway lets go of its Elastic IP, and client tokens
make creates idempotent, as in AWS.

Filter values (AWS: "Filter values are case-sensitive ... You can use a
wildcard: * matches zero or more characters, ? matches exactly one"):
every other character is literal. moto turned values into shell patterns,
where ``[`` starts a character class, so a tag filter for
``stackr:resource = nat_ip[ap-northeast-1c]`` (every ``for_each``
address) matched nothing and a crashed run's resources were never found;
``_literal_filters`` keeps only ``*`` and ``?`` special.

Client tokens (AWS: "Ensuring idempotency in Amazon EC2 API requests"): a
create repeated with the same ``ClientToken`` returns the result of the
first call instead of making a second resource; the same token with other
parameters is refused with ``IdempotentParameterMismatch``. moto ignores the
token of CreateRouteTable, CreateNatGateway and CreateEgressOnlyInternetGateway,
so a retried call whose first answer was lost made a duplicate; the wrapper
below remembers each (account, region, action, token). CreateVpcEndpoint
too (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html,
ClientToken).

DescribeVpcEndpoints filters by ``vpc-endpoint-id`` (AWS's filter list:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html);
moto answered FilterNotImplemented.

AWS: "When you delete a NAT gateway, its Elastic IP address is
disassociated, but not released"; the address can then be given to a new
gateway. moto marks the gateway deleted but keeps the address associated
with the gateway's network interface forever, so re-creating a deleted
gateway with the same address fails with Resource.AlreadyAssociated.
``apply()`` disassociates it, and removes the gateway's interface.
"""

from moto.ec2.models.nat_gateways import NatGatewayBackend


def apply():
    original = NatGatewayBackend.delete_nat_gateway

    def delete_nat_gateway(self, nat_gateway_id):
        nat = original(self, nat_gateway_id)
        eni = getattr(nat, "_eni", None)
        if eni is not None:
            for eip in list(self.addresses):
                if eip.eni is eni:
                    self.disassociate_address(address=eip.public_ip)
            try:
                self.delete_network_interface(eni.id)
            except Exception:  # already gone: nothing holds the address
                pass
        return nat

    NatGatewayBackend.delete_nat_gateway = delete_nat_gateway
    _apply_tokens()
    _literal_filters()
    _endpoint_filters()


def _endpoint_filters():
    from moto.ec2.models.vpcs import VPCEndPoint

    original = VPCEndPoint.get_filter_value

    def get_filter_value(self, filter_name, method_name=None):
        if filter_name == "vpc-endpoint-id":
            return self.id
        return original(self, filter_name, method_name)

    VPCEndPoint.get_filter_value = get_filter_value


TOKENED = (
    "create_route_table",
    "create_nat_gateway",
    "create_egress_only_internet_gateway",
    "create_vpc_endpoint",
)


def _idempotent(name, original):
    seen = {}

    def wrapper(self):
        token = self._get_param("ClientToken")
        if not token:
            return original(self)
        params = sorted((k, str(v)) for k, v in self.querystring.items() if k not in ("ClientToken",))
        key = (self.current_account, self.region, name, token)
        if key in seen:
            first_params, result = seen[key]
            if first_params != params:
                from moto.ec2.exceptions import EC2ClientError

                raise EC2ClientError(
                    "IdempotentParameterMismatch",
                    "The client token you have provided is associated with a resource that is already deleted "
                    "or was created with different parameters.",
                )
            return result
        result = original(self)
        seen[key] = (params, result)
        return result

    return wrapper


def _apply_tokens():
    from moto.ec2.responses import EC2Response

    for name in TOKENED:
        setattr(EC2Response, name, _idempotent(name, getattr(EC2Response, name)))


def _aws_filter_to_re(value):
    """An EC2 filter value as a regular expression: ``*`` and ``?`` are
    wildcards (``\\*`` and ``\\?`` literal), everything else is literal."""
    import re

    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in "*?":
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return "(?s:" + "".join(out) + r")\Z"


def _literal_filters():
    import moto.ec2.models.tags as tags_module
    import moto.ec2.utils as utils_module

    import fnmatch
    import re
    import types

    for module in (utils_module, tags_module):
        if hasattr(module, "simple_aws_filter_to_re"):
            module.simple_aws_filter_to_re = _aws_filter_to_re
    # is_filter_matching calls fnmatch.fnmatch(value, pattern) directly.
    utils_module.fnmatch = types.SimpleNamespace(
        fnmatch=lambda value, pattern: re.match(_aws_filter_to_re(pattern), value) is not None,
        translate=fnmatch.translate,
    )
