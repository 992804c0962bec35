"""EC2 at AWS's pace: NAT gateway states, the refusals of internet gateways,
security groups, subnets, VPCs and Elastic IPs, and the network interfaces
other services keep in a VPC after their owner is gone.

Durations are AWS seconds (``clock``, divided by the time scale); each is
drawn per resource id. Changes that are due happen at the next EC2 call of
the account and region (``_settle``, run before every EC2 action), so every
EC2 read sees them, in the order they fell due.

NAT gateways (states and failure codes:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NatGateway.html):

- CreateNatGateway answers ``pending``; DescribeNatGateways shows
  ``available`` 60-180 s later (``NAT_CREATE``).
- A public gateway whose VPC has no attached internet gateway is created all
  the same and goes ``failed`` after 15-60 s (``NAT_FAIL``), FailureCode
  ``Gateway.NotAttached``, FailureMessage "Network vpc-... has no Internet
  gateway attached". One given an Elastic IP that is already associated
  (with a gateway still ``deleting``, say) fails the same way with
  ``Resource.AlreadyAssociated`` ("Elastic IP address [eipalloc-...] is
  already associated") where moto refused the call. A failed gateway holds
  no address or interface; deleting it makes it ``deleted`` at once.
- DeleteNatGateway (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNatGateway.html):
  ``deleting`` for 45-90 s (``NAT_DELETE``), then ``deleted``. Until then
  its Elastic IP stays associated (DescribeAddresses shows the association)
  and its interface stays in the subnet; the default mode's patch, which
  lets both go, runs when the gateway reaches ``deleted``.

VPC endpoints (states:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html):

- CreateVpcEndpoint answers ``pending``; ``available`` 20-90 s later
  (``VPCE_CREATE``). An Interface endpoint with private DNS (AWS's default)
  in a VPC without enableDnsSupport and enableDnsHostnames is refused:
  ``InvalidParameter`` "Enabling private DNS requires both enableDnsSupport
  and enableDnsHostnames VPC attributes set to true for vpc-..."
  (https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html).
- ModifyVpcEndpoint while ``pending``: ``IncorrectState``.
- DeleteVpcEndpoints
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html):
  ``deleting`` for 20-60 s (``VPCE_DELETE``), then moto's delete (routes and
  interfaces go) and ``deleted``. An unknown id is reported in
  ``Unsuccessful`` (``InvalidVpcEndpoint.NotFound``), the call succeeding.

Refusals, all ``DependencyViolation`` unless said otherwise (codes:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html):

- DetachInternetGateway while public addresses are mapped in the VPC:
  an interface there with a public IP (an associated Elastic IP, a NAT
  gateway's while ``pending``/``available``/``deleting``, an internet-facing
  load balancer's, lingering ones too). "Network vpc-... has some mapped
  public address(es). Please unmap those public address(es) before
  detaching the gateway."
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachInternetGateway.html
- DeleteSecurityGroup while a network interface uses the group or another
  group of the VPC refers to it in a rule: "resource sg-... has a dependent
  object". https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html
- DeleteSubnet while a network interface is in the subnet: "The subnet
  'subnet-...' has dependencies and cannot be deleted."
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnet.html
- DeleteVpc while a network interface is in it, an internet gateway is
  attached or a security group other than the default one remains: "The vpc
  'vpc-...' has dependencies and cannot be deleted."
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html
- ReleaseAddress of an address still associated in a nondefault VPC:
  ``InvalidIPAddress.InUse`` (moto disassociated it silently).
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReleaseAddress.html

Requester-managed network interfaces
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html):
"When you delete the resource associated with a requester-managed network
interface, the AWS service detaches the network interface and deletes it" -
some time after, during which the interface still counts for the refusals
above. Each owner below has its interfaces in moto's DescribeNetworkInterfaces
(requester-managed, with the owner's description) while it exists; they are
released a drawn time after the owner is gone (``LINGER``):

- an ELBv2 load balancer: one per subnet, in its security groups, with a
  public IP when internet-facing; SetSubnets / SetSecurityGroups follow
  (30-180 s);
- an EFS mount target: the interface moto makes for it (10-60 s);
- an RDS / Aurora DB instance: one in its subnet group, in its (or its
  cluster's) VPC security groups (30-180 s);
- an ElastiCache cache cluster: one per cache node (30-120 s);
- an ECS service: one per desired task, in its awsvpc subnets and security
  groups, kept while the service is ``DRAINING``; a changed network
  configuration replaces them (20-120 s); and a task started by RunTask:
  the interface moto makes for it, until the task is stopped (20-120 s).

Each owner is registered by wrapping its service's create backend method
(calling through to whatever is installed, so the other realistic modules'
wrappers compose); then every settle compares what each owner needs with
what it has. A change or a deletion is thus seen at the next EC2 call,
however another module carries it out, and an owner another module keeps
listed while ``deleting`` keeps its interfaces until it is no longer listed
(or shows ``deleted``); the drawn linger counts from then. moto deletes a
mount target's interface with it: the interface is put back for that.
"""

import functools
import sys
import threading
import uuid

from moto.core.utils import iso_8601_datetime_with_milliseconds, utcnow
from moto.ec2.exceptions import DependencyViolationError, EC2ClientError
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend
from moto.ec2.models.internet_gateways import InternetGatewayBackend
from moto.ec2.models.nat_gateways import NatGatewayBackend
from moto.ec2.models.security_groups import SecurityGroupBackend
from moto.ec2.models.subnets import SubnetBackend
from moto.ec2.models.vpcs import VPCBackend
from moto.ec2.responses import EC2Response
from moto.ec2.utils import random_public_ip

from . import clock

#: AWS seconds a NAT gateway is ``pending`` before ``available``.
NAT_CREATE = (60, 180)
#: AWS seconds a NAT gateway that cannot work is ``pending`` before ``failed``.
NAT_FAIL = (15, 60)
#: AWS seconds a NAT gateway is ``deleting`` before ``deleted``.
NAT_DELETE = (45, 90)
#: AWS seconds a VPC endpoint is ``pending`` before ``available``.
VPCE_CREATE = (20, 90)
#: AWS seconds a VPC endpoint is ``deleting`` before ``deleted``.
VPCE_DELETE = (20, 60)
#: AWS seconds an owner's interfaces outlive it, per kind of owner.
LINGER = {
    "elb": (30, 180),
    "efs": (10, 60),
    "rds": (30, 180),
    "elasticache": (30, 120),
    "ecs": (20, 120),
    "ecs-task": (20, 120),
}

# moto's server answers requests on several threads.
_lock = threading.RLock()


def wrap(cls, name):
    """Decorator: replaces ``cls.name`` by ``fn(original, self, ...)``, where
    ``original`` is what was installed before (moto's, or another patch's)."""

    def decorate(fn):
        original = getattr(cls, name)

        @functools.wraps(original)
        def patched(self, *args, **kwargs):
            return fn(original, self, *args, **kwargs)

        setattr(cls, name, patched)
        return fn

    return decorate


# --- what is due, per account and region ----------------------------------


class _Region:
    """The pending changes and interface owners of one account and region."""

    def __init__(self):
        self.due = []  # (clock.Phase, callback)
        self.owners = {}  # (kind, id) -> _Owner


_regions = {}


def _region(account, region):
    return _regions.setdefault((account, region), _Region())


def _later(account, region, phase, callback):
    """Runs ``callback`` at the first settle after ``phase`` ends."""
    with _lock:
        _region(account, region).due.append((phase, callback))


def _settle(account, region):
    """Applies what has fallen due, then brings every owner's interfaces to
    what it needs now."""
    with _lock:
        state = _regions.get((account, region))
        if state is None:
            return
        ready, waiting = [], []
        for item in state.due:
            (ready if item[0].done() else waiting).append(item)
        state.due = waiting
        for _, callback in sorted(ready, key=lambda item: item[0].ends):
            callback()
        for owner in list(state.owners.values()):
            _sync(owner)


# --- NAT gateways ---------------------------------------------------------


def _igw_attached(ec2, vpc_id):
    return any(igw.vpc is not None and igw.vpc.id == vpc_id for igw in ec2.internet_gateways.values())


def _nat_failure(ec2, subnet_id, allocation_id, connectivity_type):
    """(FailureCode, FailureMessage) if a gateway made now cannot work."""
    if connectivity_type == "private":
        return None
    vpc_id = ec2.get_subnet(subnet_id).vpc_id
    if not _igw_attached(ec2, vpc_id):
        return "Gateway.NotAttached", f"Network {vpc_id} has no Internet gateway attached"
    if allocation_id:
        eips = ec2.address_by_allocation([allocation_id])
        if eips and (eips[0].eni is not None or eips[0].instance is not None):
            return "Resource.AlreadyAssociated", f"Elastic IP address [{allocation_id}] is already associated"
    return None


def _apply_nat_gateways():
    let_go = NatGatewayBackend.delete_nat_gateway  # the default mode's: frees the address and interface

    def fail(ec2, nat, code, message):
        if nat.state != "pending":
            return
        let_go(ec2, nat.id)
        nat.state = "failed"
        nat.failure_code = code
        nat.failure_message = message

    def become_available(nat):
        if nat.state == "pending":
            nat.state = "available"

    @wrap(NatGatewayBackend, "create_nat_gateway")
    def create_nat_gateway(original, self, subnet_id, allocation_id, tags=None, connectivity_type="public"):
        failure = _nat_failure(self, subnet_id, allocation_id, connectivity_type)
        taken = failure is not None and failure[0] == "Resource.AlreadyAssociated"
        # AWS makes the gateway even when the address is taken; it just
        # never gets the address (moto refused the whole call).
        nat = original(self, subnet_id, None if taken else allocation_id, tags, connectivity_type)
        if taken:
            nat.address_set[0]["allocationId"] = allocation_id
        nat.state = "pending"
        account, region = self.account_id, self.region_name
        if failure is not None:
            phase = clock.Phase(f"{nat.id}:fail", *NAT_FAIL)
            _later(account, region, phase, lambda: fail(self, nat, *failure))
        else:
            phase = clock.Phase(f"{nat.id}:create", *NAT_CREATE)
            _later(account, region, phase, lambda: become_available(nat))
        return nat

    @wrap(NatGatewayBackend, "delete_nat_gateway")
    def delete_nat_gateway(original, self, nat_gateway_id):
        nat = self.nat_gateways.get(nat_gateway_id)
        if nat is None:
            return original(self, nat_gateway_id)
        if nat.state in ("deleting", "deleted"):
            return nat
        if nat.state == "failed":
            # Holds nothing any more: nothing to wait for.
            nat.state = "deleted"
            nat.delete_time = iso_8601_datetime_with_milliseconds(utcnow())
            return nat
        nat.state = "deleting"

        def deleted():
            original(self, nat.id)
            nat.delete_time = iso_8601_datetime_with_milliseconds(utcnow())

        _later(self.account_id, self.region_name, clock.Phase(f"{nat.id}:delete", *NAT_DELETE), deleted)
        return nat


# --- VPC endpoints ---------------------------------------------------------


def _apply_vpc_endpoints():
    @wrap(VPCBackend, "create_vpc_endpoint")
    def create_vpc_endpoint(original, self, vpc_id, service_name, endpoint_type, *args, **kwargs):
        interface = (endpoint_type or "").lower() == "interface"
        if interface and kwargs.get("private_dns_enabled") is not False:
            vpc = self.get_vpc(vpc_id)
            if not (vpc.enable_dns_support and vpc.enable_dns_hostnames):
                raise EC2ClientError(
                    "InvalidParameter",
                    "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes "
                    f"set to true for {vpc_id}",
                )
        endpoint = original(self, vpc_id, service_name, endpoint_type, *args, **kwargs)
        endpoint.state = "pending"

        def become_available():
            if endpoint.state == "pending":
                endpoint.state = "available"

        phase = clock.Phase(f"{endpoint.id}:create", *VPCE_CREATE)
        _later(self.account_id, self.region_name, phase, become_available)
        return endpoint

    @wrap(VPCBackend, "modify_vpc_endpoint")
    def modify_vpc_endpoint(original, self, vpc_id, *args, **kwargs):
        endpoint = self.vpc_end_points.get(vpc_id)
        if endpoint is not None and endpoint.state in ("pending", "pendingAcceptance"):
            raise EC2ClientError("IncorrectState", f"VPC endpoint {vpc_id} is in state {endpoint.state}")
        return original(self, vpc_id, *args, **kwargs)

    @wrap(EC2Response, "delete_vpc_endpoints")
    def delete_vpc_endpoints(original, self):
        from moto.core.responses import ActionResult

        ec2 = self.ec2_backend
        unsuccessful = []
        for vpce_id in self._get_param("VpcEndpointIds", []):
            endpoint = ec2.vpc_end_points.get(vpce_id)
            if endpoint is None or endpoint.state == "deleted":
                unsuccessful.append(
                    {
                        "ResourceId": vpce_id,
                        "Error": {
                            "Code": "InvalidVpcEndpoint.NotFound",
                            "Message": f"The Vpc Endpoint Id '{vpce_id}' does not exist",
                        },
                    }
                )
                continue
            if endpoint.state == "deleting":
                continue
            endpoint.state = "deleting"

            def deleted(endpoint=endpoint):
                # moto's delete: its routes and interfaces go, state `deleted`.
                VPCBackend.delete_vpc_endpoints(ec2, [endpoint.id])

            _later(ec2.account_id, ec2.region_name, clock.Phase(f"{endpoint.id}:delete", *VPCE_DELETE), deleted)
        return ActionResult({"Unsuccessful": unsuccessful})


# --- refusals ---------------------------------------------------------------


def _enis_in_vpc(ec2, vpc_id):
    return [eni for eni in ec2.enis.values() if eni.subnet.vpc_id == vpc_id]


def _apply_refusals():
    @wrap(InternetGatewayBackend, "detach_internet_gateway")
    def detach_internet_gateway(original, self, internet_gateway_id, vpc_id):
        igw = self.get_internet_gateway(internet_gateway_id)
        attached = igw.vpc is not None and igw.vpc.id == vpc_id
        if attached and any(eni.public_ip for eni in _enis_in_vpc(self, vpc_id)):
            raise DependencyViolationError(
                f"Network {vpc_id} has some mapped public address(es). "
                "Please unmap those public address(es) before detaching the gateway."
            )
        return original(self, internet_gateway_id, vpc_id)

    @wrap(SecurityGroupBackend, "delete_security_group")
    def delete_security_group(original, self, name=None, group_id=None):
        group = self.get_security_group_from_id(group_id) if group_id else None
        if group is None and name:
            group = self.get_security_group_by_name_or_id(name)
        if group is not None and _group_in_use(self, group):
            raise DependencyViolationError(f"resource {group.id} has a dependent object")
        return original(self, name=name, group_id=group_id)

    @wrap(SubnetBackend, "delete_subnet")
    def delete_subnet(original, self, subnet_id):
        if any(eni.subnet.id == subnet_id for eni in self.enis.values()):
            raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        return original(self, subnet_id)

    @wrap(VPCBackend, "delete_vpc")
    def delete_vpc(original, self, vpc_id):
        if vpc_id in self.vpcs and _vpc_in_use(self, vpc_id):
            raise DependencyViolationError(f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
        return original(self, vpc_id)

    @wrap(ElasticAddressBackend, "release_address")
    def release_address(original, self, address=None, allocation_id=None):
        eips = []
        if allocation_id:
            eips = self.address_by_allocation([allocation_id])
        elif address:
            eips = self.address_by_ip([address])
        if eips and _associated_outside_default_vpc(self, eips[0]):
            raise EC2ClientError("InvalidIPAddress.InUse", f"Address {eips[0].public_ip} is in use.")
        return original(self, address=address, allocation_id=allocation_id)


def _group_in_use(ec2, group):
    """Whether an interface uses ``group`` or another group refers to it."""
    if any(group.id in {g.id for g in eni.group_set} for eni in ec2.enis.values()):
        return True
    for other in ec2.groups.get(group.vpc_id, {}).values():
        if other.id == group.id:
            continue
        for rule in other.ingress_rules + other.egress_rules:
            if (rule.source_group or {}).get("GroupId") == group.id:
                return True
    return False


def _vpc_in_use(ec2, vpc_id):
    extra_groups = [g for g in ec2.groups.get(vpc_id, {}).values() if g.name != "default"]
    return bool(_enis_in_vpc(ec2, vpc_id)) or _igw_attached(ec2, vpc_id) or bool(extra_groups)


def _associated_outside_default_vpc(ec2, eip):
    # moto points an address associated with an instance at its first interface.
    if eip.eni is None:
        return False
    vpc = ec2.vpcs.get(eip.eni.subnet.vpc_id)
    return vpc is None or not vpc.is_default


# --- requester-managed interfaces --------------------------------------------


class _Spec:
    """An interface an owner needs: where, in which groups (``None``: leave
    moto's choice, the VPC's default group), public or not; or ``adopt``, the
    id of an interface moto already made for the owner."""

    def __init__(self, subnet_id=None, groups=None, public=False, description="", requester="", adopt=None):
        self.subnet_id = subnet_id
        self.groups = None if groups is None else tuple(groups)
        self.public = public
        self.description = description
        self.requester = requester
        self.adopt = adopt


class _Owner:
    """A resource of another service and the interfaces it holds, by slot."""

    def __init__(self, kind, account, region, key):
        self.kind = kind
        self.account = account
        self.region = region
        self.key = key
        self.enis = {}  # slot -> eni id


def _own(kind, account, region, key):
    """Registers (or finds) an owner and brings its interfaces up to date."""
    with _lock:
        owners = _region(account, region).owners
        owner = owners.setdefault((kind, key), _Owner(kind, account, region, key))
        _sync(owner)


def _sync(owner):
    ec2 = ec2_backends[owner.account][owner.region]
    try:
        wanted = _WANTED[owner.kind](owner)
    except Exception as e:  # an owner another patch changed in a way not foreseen: leave it as is
        sys.stderr.write(f"stackr_moto realistic.ec2: cannot read {owner.kind} {owner.key}: {e!r}\n")
        return
    for slot in [s for s in owner.enis if wanted is None or s not in wanted]:
        _release(owner, ec2, owner.enis.pop(slot))
    if wanted is None:
        _region(owner.account, owner.region).owners.pop((owner.kind, owner.key), None)
        return
    for slot, spec in wanted.items():
        if slot in owner.enis:
            eni = ec2.enis.get(owner.enis[slot])
            if eni is not None and spec.groups is not None and not spec.adopt:
                eni._group_set = _groups(ec2, eni.subnet.vpc_id, spec.groups)
            continue
        eni = _adopt(ec2, spec) if spec.adopt else _create(ec2, spec)
        if eni is not None:
            owner.enis[slot] = eni.id


def _groups(ec2, vpc_id, ids):
    """The security groups named ``ids`` that exist in the VPC (moto's
    interfaces would make up a group for an unknown id)."""
    found = [ec2.get_security_group_from_id(i) for i in ids]
    return [g for g in found if g is not None and g.vpc_id == vpc_id]


def _mark(eni, spec):
    eni.requester_managed = True
    eni.requester_id = spec.requester
    eni.status = "in-use"
    if spec.description:
        eni.description = spec.description


def _create(ec2, spec):
    subnet = ec2.get_subnet(spec.subnet_id)
    eni = ec2.create_network_interface(subnet, None, description=spec.description)
    if spec.groups is not None:
        eni._group_set = _groups(ec2, subnet.vpc_id, spec.groups)
    if spec.public:
        eni.public_ip = random_public_ip()
    _mark(eni, spec)
    return eni


def _adopt(ec2, spec):
    eni = ec2.enis.get(spec.adopt)
    if eni is not None:
        _mark(eni, spec)
    return eni


def _release(owner, ec2, eni_id):
    """The service lets the interface go a drawn while after its owner."""
    if eni_id not in ec2.enis:
        return
    phase = clock.Phase(f"{eni_id}:linger", *LINGER[owner.kind])
    _later(owner.account, owner.region, phase, lambda: ec2.enis.pop(eni_id, None))


# What each kind of owner needs now: {slot: _Spec}, {} when it needs none
# for the moment, None when it is gone.


def _elb_wanted(owner):
    from moto.elbv2.models import elbv2_backends

    lb = elbv2_backends[owner.account][owner.region].load_balancers.get(owner.key)
    if lb is None:
        return None
    if lb.security_groups:
        groups = lb.security_groups
    else:  # an ALB given none gets the VPC's default group; an NLB has none
        groups = None if lb.type == "application" else ()
    kind = {"application": "app", "network": "net", "gateway": "gwy"}.get(lb.type, "app")
    description = f"ELB {kind}/{lb.name}/{lb.arn.rsplit('/', 1)[-1]}"
    public = lb.scheme in (None, "internet-facing")
    return {
        subnet.id: _Spec(subnet.id, groups, public, description, "amazon-elb")
        for subnet in lb.subnets
    }


def _efs_wanted(owner):
    from moto.efs.models import efs_backends

    mt = efs_backends[owner.account][owner.region].mount_targets_by_id.get(owner.key)
    if mt is None or mt.life_cycle_state == "deleted":
        return None
    description = f"EFS mount target for {mt.file_system_id} ({mt.mount_target_id})"
    return {"mount": _Spec(description=description, requester=owner.account, adopt=mt.network_interface_id)}


def _rds_wanted(owner):
    from moto.rds.models import rds_backends

    rds = rds_backends[owner.account][owner.region]
    db = rds.databases.get(owner.key)
    if db is None or db.status == "deleted":
        return None
    cluster = getattr(db, "cluster", None)
    group_name = getattr(db, "_db_subnet_group_name", None) or (cluster.db_subnet_group_name if cluster else None)
    subnet_group = rds.subnet_groups.get(group_name) if group_name else None
    if subnet_group is None:
        return {}
    subnets = sorted(subnet_group._subnets, key=lambda s: s.id)
    in_zone = [s for s in subnets if s.availability_zone == db.availability_zone]
    subnet = (in_zone or subnets)[0]
    groups = list(db.vpc_security_group_ids)
    public = bool(db.publicly_accessible)
    return {subnet.id: _Spec(subnet.id, groups, public, "RDSNetworkInterface", "amazon-rds")}


def _elasticache_wanted(owner):
    from moto.elasticache.models import elasticache_backends

    backend = elasticache_backends[owner.account][owner.region]
    cluster = backend.cache_clusters.get(owner.key)
    if cluster is None or cluster.cache_cluster_status == "deleted":
        return None
    subnet_group = backend.cache_subnet_groups.get(cluster.cache_subnet_group_name or "")
    subnet_ids = sorted(getattr(subnet_group, "subnet_ids", None) or [])
    if not subnet_ids:
        return {}
    groups = cluster.security_group_ids or None
    description = f"ElastiCache {cluster.cache_cluster_id}"
    # Each node's interface is in the group's subnet of the node's zone, as
    # AWS places it (ModifyCacheSubnetGroup refuses to drop a subnet in use:
    # SubnetInUse, API_ModifyCacheSubnetGroup.html).
    ec2 = ec2_backends[owner.account][owner.region]

    def zone_of(subnet_id):
        try:
            return ec2.get_subnet(subnet_id).availability_zone
        except Exception:
            return None

    zones = [n.get("CustomerAvailabilityZone") for n in getattr(cluster, "_stackr_nodes", [])]
    count = int(cluster.num_cache_nodes or 1)
    out = {}
    for n in range(count):
        zone = zones[n] if n < len(zones) else None
        in_zone = [s for s in subnet_ids if zone and zone_of(s) == zone]
        subnet = in_zone[0] if in_zone else subnet_ids[n % len(subnet_ids)]
        out[f"node-{n}"] = _Spec(subnet, groups, False, description, "amazon-elasticache")
    return out


def _ecs_service_wanted(owner):
    from moto.ecs.models import ecs_backends

    service = ecs_backends[owner.account][owner.region].services.get(owner.key)
    if service is None:
        return None
    config = (service.network_configuration or {}).get("awsvpcConfiguration") or {}
    subnets = list(config.get("subnets") or [])
    # A DRAINING service's tasks are still stopping; INACTIVE, they are gone.
    if service.status == "INACTIVE" or not subnets:
        return {}
    groups = tuple(sorted(config.get("securityGroups") or []))
    public = config.get("assignPublicIp") == "ENABLED"
    description = f"arn:aws:ecs:{owner.region}:{owner.account}:attachment/{uuid.uuid4()}"
    # A task's interface keeps its subnet, groups and address for its life:
    # a new network configuration means new tasks, so new interfaces.
    return {
        (n, subnets[n % len(subnets)], groups, public): _Spec(
            subnets[n % len(subnets)], groups or None, public, description, owner.account
        )
        for n in range(int(service.desired_count or 0))
    }


def _ecs_task_wanted(owner):
    from moto.ecs.models import ecs_backends

    cluster, arn = owner.key
    task = ecs_backends[owner.account][owner.region].tasks.get(cluster, {}).get(arn)
    # desired_status, not last_status: reading the latter moves moto's task state machine on.
    if task is None or task.desired_status == "STOPPED":
        return None
    wanted = {}
    for attachment in task.attachments:
        for detail in attachment.get("details", []):
            if detail.get("name") == "networkInterfaceId":
                description = f"arn:aws:ecs:{owner.region}:{owner.account}:attachment/{attachment['id']}"
                wanted[detail["value"]] = _Spec(description=description, requester=owner.account, adopt=detail["value"])
    return wanted


_WANTED = {
    "elb": _elb_wanted,
    "efs": _efs_wanted,
    "rds": _rds_wanted,
    "elasticache": _elasticache_wanted,
    "ecs": _ecs_service_wanted,
    "ecs-task": _ecs_task_wanted,
}


def _apply_owners():
    """Registers each owner when it is made; from then on every settle
    compares what it needs with what it has (so a change or a deletion is
    seen at the next EC2 call, however another module carried it out)."""
    from moto.ecs.models import EC2ContainerServiceBackend as ECSBackend
    from moto.efs.models import EFSBackend
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elbv2.models import ELBv2Backend
    from moto.rds.models import RDSBackend

    def registering(cls, name, kind, key):
        @wrap(cls, name)
        def created(original, self, *args, **kwargs):
            made = original(self, *args, **kwargs)
            for item in made if isinstance(made, list) else [made]:
                _own(kind, self.account_id, self.region_name, key(item))
            return made

    registering(ELBv2Backend, "create_load_balancer", "elb", lambda lb: lb.arn)
    registering(EFSBackend, "create_mount_target", "efs", lambda mt: mt.mount_target_id)
    registering(RDSBackend, "create_db_instance", "rds", lambda db: db.db_instance_identifier)
    registering(ElastiCacheBackend, "create_cache_cluster", "elasticache", lambda c: c.cache_cluster_id)
    registering(ECSBackend, "create_service", "ecs", lambda s: f"{s.cluster_name}:{s.name}")
    registering(ECSBackend, "run_task", "ecs-task", lambda t: (t.cluster_name, t.task_arn))

    @wrap(EFSBackend, "delete_mount_target")
    def delete_mount_target(original, self, mount_target_id):
        ec2 = self.ec2_backend
        mt = self.mount_targets_by_id.get(mount_target_id)
        eni = ec2.enis.get(mt.network_interface_id) if mt is not None else None
        result = original(self, mount_target_id)
        if eni is not None:
            # moto deletes the interface with the mount target; AWS lets it
            # go after (the next settle sees the mount target gone).
            ec2.enis.setdefault(eni.id, eni)
        return result


# --- settling before every EC2 call -------------------------------------------


def _apply_settle():
    @wrap(EC2Response, "call_action")
    def call_action(original, self):
        _settle(self.current_account, self.region)
        return original(self)


def apply():
    _apply_nat_gateways()
    _apply_vpc_endpoints()
    _apply_refusals()
    _apply_owners()
    _apply_settle()
