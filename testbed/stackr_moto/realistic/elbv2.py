"""ELBv2 at AWS's pace: load balancer provisioning, and the refusals of
load balancers, target groups and HTTPS listeners. Durations are AWS
seconds (``clock``, divided by the time scale), drawn per resource.

- A new load balancer is ``provisioning`` for 120-240 s (``PROVISIONING``),
  then ``active``, in DescribeLoadBalancers ``State.Code`` (moto made it
  active at the first describe). "The initial state of the load balancer is
  provisioning. After the load balancer is fully set up and ready to route
  traffic, its state is active."
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html
- CreateLoadBalancer of an internet-facing load balancer (``Scheme``
  omitted counts as internet-facing, AWS's default) whose VPC has no
  attached internet gateway: ``InvalidSubnet`` (HTTP 400), "VPC vpc-... has
  no internet gateway".
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
  (its network interfaces: ``realistic.ec2``).
- DeleteTargetGroup while a listener's default action or a listener rule
  forwards to the group: ``ResourceInUse``. moto already refuses it so;
  kept as is (the tests hold it to that).
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteTargetGroup.html
- CreateListener, ModifyListener and AddListenerCertificates with an ACM
  certificate: ``CertificateNotFound`` (HTTP 400, "Certificate '...' not
  found") while the certificate is not ``ISSUED``, and for 15-60 s
  (``CERT_PROPAGATION``) after it became ``ISSUED``, the while it takes to
  reach the load balancers. The API reference lists ``CertificateNotFound``
  ("The specified certificate does not exist") and no other certificate
  error for these calls, so it is the one used for a certificate not issued
  too (clients in the field also report ``UnsupportedCertificate`` there;
  the reference does not document it).
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyListener.html
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_AddListenerCertificates.html
  When a certificate became ``ISSUED`` is when moto's ACM model first says
  so (read or set, by whichever module decides it).
"""

from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer

from . import clock
from .ec2 import wrap

#: AWS seconds a new load balancer is ``provisioning``.
PROVISIONING = (120, 240)
#: AWS seconds a just-issued certificate is still unknown to ELB.
CERT_PROPAGATION = (15, 60)


# The parameters of moto 5.2's backend methods, in order. (Read from here,
# not from the installed method: another module's wrapper may take *args.)
_PARAMETERS = {
    "create_load_balancer": (
        "name", "security_groups", "subnet_ids", "subnet_mappings",
        "scheme", "loadbalancer_type", "ip_address_type", "tags",
    ),
    "create_listener": (
        "load_balancer_arn", "protocol", "port", "ssl_policy", "certificate", "actions", "alpn_policy", "tags",
    ),
    "modify_listener": ("arn", "port", "protocol", "ssl_policy", "certificates", "actions"),
    "add_listener_certificates": ("arn", "certificates"),
}


def _arg(method, args, kwargs, name):
    """The argument ``name`` of a call ``method(self, *args, **kwargs)``."""
    if name in kwargs:
        return kwargs[name]
    position = _PARAMETERS[method].index(name)
    return args[position] if position < len(args) else None


# --- provisioning -----------------------------------------------------------


def _state_get(lb):
    phase = lb.__dict__.get("_stackr_provisioning")
    if phase is not None and not phase.done():
        return "provisioning"
    state = lb.__dict__.get("_stackr_state", "active")
    return "active" if state == "provisioning" else state


def _state_set(lb, value):
    lb.__dict__["_stackr_state"] = value


def _apply_provisioning():
    # moto's describe calls activate(), which sets ``state``; the property
    # keeps it ``provisioning`` until the drawn time is over.
    FakeLoadBalancer.state = property(_state_get, _state_set)

    @wrap(ELBv2Backend, "create_load_balancer")
    def create_load_balancer(original, self, *args, **kwargs):
        _refuse_without_igw(self, args, kwargs)
        lb = original(self, *args, **kwargs)
        lb._stackr_provisioning = clock.Phase(f"{lb.arn}:provisioning", *PROVISIONING)
        return lb


def _refuse_without_igw(backend, args, kwargs):
    if _arg("create_load_balancer", args, kwargs, "scheme") not in (None, "internet-facing"):
        return
    if _arg("create_load_balancer", args, kwargs, "loadbalancer_type") == "gateway":
        return  # a Gateway Load Balancer has no scheme and no public side
    subnet_ids = list(_arg("create_load_balancer", args, kwargs, "subnet_ids") or [])
    subnet_ids += [m["SubnetId"] for m in _arg("create_load_balancer", args, kwargs, "subnet_mappings") or []]
    if not subnet_ids:
        return
    ec2 = backend.ec2_backend
    try:
        vpc_id = ec2.get_subnet(subnet_ids[0]).vpc_id
    except Exception:  # an unknown subnet: moto answers SubnetNotFound
        return
    if not any(igw.vpc is not None and igw.vpc.id == vpc_id for igw in ec2.internet_gateways.values()):
        raise ELBClientError("InvalidSubnet", f"VPC {vpc_id} has no internet gateway")


# --- certificates -------------------------------------------------------------


def _issued_at(cert):
    return cert.__dict__.get("_stackr_issued_at")


def _track_issuance():
    """Notes, on moto's ACM certificate, when its status is first ``ISSUED``
    (wrapping the ``status`` property another module may have installed)."""
    from moto.acm.models import CertBundle

    inner = CertBundle.__dict__.get("status")

    def note(cert, value):
        if value == "ISSUED":
            cert.__dict__.setdefault("_stackr_issued_at", clock.now())
        else:
            cert.__dict__.pop("_stackr_issued_at", None)

    def get(cert):
        value = inner.__get__(cert, CertBundle) if inner is not None else cert.__dict__.get("status")
        note(cert, value)
        return value

    def set_(cert, value):
        if inner is not None:
            inner.__set__(cert, value)
        else:
            cert.__dict__["status"] = value
        get(cert)

    CertBundle.status = property(get, set_)


def _refuse_unusable_certificate(backend, arn):
    if not arn or ":acm:" not in arn:
        return  # IAM server certificates are moto's business
    from moto.acm.models import CertificateNotFound as AcmNotFound
    from moto.acm.models import acm_backends

    not_found = ELBClientError("CertificateNotFound", f"Certificate '{arn}' not found")
    try:
        cert = acm_backends[backend.account_id][backend.region_name].get_certificate(arn)
    except AcmNotFound:
        raise not_found from None
    if cert.status != "ISSUED":
        raise not_found
    wait = clock.wall(clock.aws_seconds(*CERT_PROPAGATION, key=f"{arn}:elb-propagation"))
    if clock.now() < _issued_at(cert) + wait:
        raise not_found


def _apply_certificates():
    _track_issuance()

    @wrap(ELBv2Backend, "create_listener")
    def create_listener(original, self, *args, **kwargs):
        _refuse_unusable_certificate(self, _arg("create_listener", args, kwargs, "certificate"))
        return original(self, *args, **kwargs)

    def checking_certificates(name):
        @wrap(ELBv2Backend, name)
        def with_certificates(original, self, *args, **kwargs):
            for certificate in _arg(name, args, kwargs, "certificates") or []:
                _refuse_unusable_certificate(self, certificate.get("CertificateArn"))
            return original(self, *args, **kwargs)

    checking_certificates("modify_listener")
    checking_certificates("add_listener_certificates")


def apply():
    _apply_provisioning()
    _apply_certificates()
