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

ModifyVpcEndpoint's ``PrivateDnsEnabled`` changes an Interface endpoint's
private DNS
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html);
moto ignored it.

DescribeVpcEndpoints filters by ``vpc-endpoint-id`` (AWS's filter list:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html);
moto answered FilterNotImplemented.

AWS: "When you delete a NAT gateway, its Elastic IP address is
disassociated, but not released"; the address can then be given to a new
gateway. moto marks the gateway deleted but keeps the address associated
with the gateway's network interface forever, so re-creating a deleted
gateway with the same address fails with Resource.AlreadyAssociated.
``apply()`` disassociates it, and removes the gateway's interface.

Security group rules (AWS, RevokeSecurityGroupIngress: "If the security
group rule has a description, you do not need to specify the description
to revoke the rule"; a rule is its protocol, ports and one peer): moto
compared a rule naming a security group with its whole stored pair, the
description included, so revoking it by permissions without the
description failed with ``InvalidPermission.NotFound``, and authorizing it
again with another description made a second rule instead of
``InvalidPermission.Duplicate``. ``_security_group_rules`` compares the
peer group by id (and account) only. It also reports the description of a
rule naming a group in DescribeSecurityGroupRules (moto read it from CIDR
rules only), and ModifySecurityGroupRules sets such a rule's description on
the rule itself (moto wrote it into an empty CIDR range, which
DescribeSecurityGroups then listed as an IP range without a CIDR).
A rule whose peer is a prefix list keeps its description too (AWS:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PrefixListId.html,
``Description``; DescribeSecurityGroups lists it on the PrefixListId and
DescribeSecurityGroupRules on the rule): moto kept only the prefix list's
id, so such a rule read back without its description and never settled.

DeleteVpc is refused with ``DependencyViolation`` ("The vpc '...' has
dependencies and cannot be deleted") while an internet gateway is attached
or a security group other than the default one remains, as AWS refuses it:
"you must terminate or delete all ... security groups ..., and detach any
internet gateway" first. moto refused only for subnets and extra route
tables. (The realistic mode adds network interfaces to this.)
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html
https://docs.aws.amazon.com/vpc/latest/userguide/delete-vpc.html
"""

from moto.ec2.exceptions import DependencyViolationError
from moto.ec2.models.nat_gateways import NatGatewayBackend
from moto.ec2.models.vpcs import VPCBackend

from ._util import wrap_method as _wrap


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
    _vpc_dependencies()
    _apply_tokens()
    _literal_filters()
    _security_group_rules()
    _endpoint_filters()
    _endpoint_private_dns()
    _endpoint_route_tables()


def _vpc_dependencies():
    """DeleteVpc refused while an internet gateway is attached or a
    non-default security group remains (see the module's docstring)."""

    @_wrap(VPCBackend, "delete_vpc")
    def delete_vpc(original, self, vpc_id):
        if vpc_id in self.vpcs:
            attached = any(g.vpc is not None and g.vpc.id == vpc_id for g in self.internet_gateways.values())
            groups = [g for g in self.groups.get(vpc_id, {}).values() if g.name != "default"]
            if attached or groups:
                raise DependencyViolationError(f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
        return original(self, vpc_id)


def _endpoint_route_tables():
    """ModifyVpcEndpoint's AddRouteTableIds / RemoveRouteTableIds add and
    remove a Gateway endpoint's route to its prefix list in each table, as
    CreateVpcEndpoint's RouteTableIds do
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html).
    moto only changed the endpoint's list of tables, so a table added later
    had no route, and DeleteVpcEndpoints then failed (InvalidRoute.NotFound)
    on it."""
    from moto.ec2.models.vpcs import VPCBackend

    original = VPCBackend.modify_vpc_endpoint

    def modify_vpc_endpoint(self, vpc_id, policy_doc, add_subnets, remove_subnets, remove_route_tables,
                            add_route_tables, add_security_groups, remove_security_groups):
        endpoint = self.describe_vpc_endpoints(vpc_end_point_ids=[vpc_id])[0]
        prefix_list = getattr(endpoint, "destination_prefix_list_id", None)
        before = set(endpoint.route_table_ids or [])
        original(self, vpc_id, policy_doc, add_subnets, remove_subnets, remove_route_tables, add_route_tables,
                 add_security_groups, remove_security_groups)
        if not prefix_list:
            return
        for table in add_route_tables or []:
            if table not in before:
                self.create_route(table, None, gateway_id=vpc_id, destination_prefix_list_id=prefix_list)
        for table in remove_route_tables or []:
            if table in before:
                try:
                    self.delete_route(table, prefix_list)
                except Exception:  # the route was removed by hand: nothing to undo
                    pass

    VPCBackend.modify_vpc_endpoint = modify_vpc_endpoint


def _endpoint_private_dns():
    """ModifyVpcEndpoint's PrivateDnsEnabled turns an Interface endpoint's
    private DNS on or off (moto read no such parameter, so the change was
    answered ``Return: true`` and lost)."""
    from moto.ec2.responses.vpcs import VPCs

    original = VPCs.modify_vpc_endpoint

    def modify_vpc_endpoint(self):
        result = original(self)
        wanted = self._get_bool_param("PrivateDnsEnabled")
        if wanted is not None:
            endpoint_id = self._get_param("VpcEndpointId")
            self.ec2_backend.describe_vpc_endpoints(vpc_end_point_ids=[endpoint_id])[0].private_dns_enabled = wanted
        return result

    VPCs.modify_vpc_endpoint = modify_vpc_endpoint


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


def _security_group_rules():
    from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupBackend, SecurityGroupRule

    original_eq = SecurityGroupRule.__eq__

    def peer(group):
        return {k: v for k, v in (group or {}).items() if k not in ("Description",)}

    def __eq__(self, other):
        if not isinstance(other, SecurityGroupRule):
            return NotImplemented
        if peer(self.source_group) != peer(other.source_group):
            return False
        saved = (self.source_group, other.source_group)
        self.source_group, other.source_group = {}, {}
        try:
            return original_eq(self, other)
        finally:
            self.source_group, other.source_group = saved

    SecurityGroupRule.__eq__ = __eq__
    SecurityGroupRule.__hash__ = None

    original_init = SecurityGroupRule.__init__

    def __init__(self, *args, **kwargs):
        prefix_list = kwargs.get("prefix_list_id")
        if prefix_list is None and len(args) > 7:
            prefix_list = args[7]
        original_init(self, *args, **kwargs)
        self.prefix_list_description = (prefix_list or {}).get("Description")

    SecurityGroupRule.__init__ = __init__

    def description(self):
        return (
            self.ip_range.get("Description")
            or (self.source_group or {}).get("Description")
            or getattr(self, "prefix_list_description", None)
        )

    SecurityGroupRule.description = property(description)

    original_flattened = SecurityGroup._flattened_rules

    def _flattened_rules(self, rules):
        views = original_flattened(self, rules)
        for view in views:
            for entry in view.prefix_list_ids:
                for rule in rules:
                    same = (rule.from_port, rule.to_port, rule.ip_protocol, rule.prefix_list_id) == (
                        view.from_port,
                        view.to_port,
                        view.ip_protocol,
                        entry["PrefixListId"],
                    )
                    if same and getattr(rule, "prefix_list_description", None):
                        entry["Description"] = rule.prefix_list_description
        return views

    SecurityGroup._flattened_rules = _flattened_rules

    original_update = SecurityGroupBackend._sg_update_description

    def _sg_update_description(self, security_rule, rule):
        original_update(self, security_rule, rule)
        wanted = getattr(security_rule, "prefix_list_description", None)
        if wanted is not None and security_rule.prefix_list_id and security_rule.prefix_list_id == rule.prefix_list_id:
            rule.prefix_list_description = wanted

    SecurityGroupBackend._sg_update_description = _sg_update_description

    original_modify = SecurityGroupBackend.modify_security_group_rules

    def modify_security_group_rules(self, group_id, rules):
        descriptions = {}
        for rule_id, new_rule in rules.items():
            if "Description" in new_rule:
                descriptions[rule_id] = new_rule.pop("Description")
        original_modify(self, group_id, rules)
        group = self.get_security_group_by_name_or_id(group_id)
        for rule_id, text in descriptions.items():
            rule = group.get_rule(rule_id)
            if rule.prefix_list_id:
                rule.prefix_list_description = text
                continue
            target = rule.source_group if rule.source_group else rule.ip_range if rule.ip_range else None
            if target is not None:
                target["Description"] = text

    SecurityGroupBackend.modify_security_group_rules = modify_security_group_rules
