"""What a stack left in the local AWS, read from moto directly (never through
stackr, never through the fault proxy).

    python bench/inventory.py ENDPOINT STACK REGION [REGION...]

Prints one JSON object: {"live": n, "duplicates": {address: [ids]},
"resources": {address: [ids]}}. A resource belongs to the stack when it
carries the tag stackr:stack=STACK; its address is its stackr:resource tag.
A duplicate is an address with more than one live resource of the same kind
(service and resource type of its ARN). Resources that AWS keeps after a
delete for a while (deleted NAT gateways, INACTIVE ECS clusters, services
and task definition revisions) are not live. IAM roles and policies, WAF
web ACLs and IP sets and Application Auto Scaling targets are read from
their own APIs, which the tagging API of the local AWS does not cover.
"""

import json
import sys

import boto3


def client(service, endpoint, region):
    return boto3.client(service, endpoint_url=endpoint, region_name=region)


def tag_map(tags):
    if isinstance(tags, dict):
        return tags
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tags or []}


def kind_of(arn):
    # arn:aws:SERVICE:REGION:ACCOUNT:TYPE/ID or TYPE:ID
    parts = arn.split(":", 5)
    service, rest = parts[2], parts[5] if len(parts) > 5 else ""
    for sep in ("/", ":"):
        if sep in rest:
            return f"{service}:{rest.split(sep, 1)[0]}"
    return service


def dead(arn, endpoint, region):
    if ":natgateway/" in arn:
        ec2 = client("ec2", endpoint, region)
        nat = ec2.describe_nat_gateways(NatGatewayIds=[arn.rsplit("/", 1)[1]])["NatGateways"]
        return all(n["State"] in ("deleted", "deleting") for n in nat)
    if ":ecs:" in arn:
        ecs = client("ecs", endpoint, region)
        if ":cluster/" in arn:
            return all(c["status"] == "INACTIVE" for c in ecs.describe_clusters(clusters=[arn])["clusters"])
        if ":service/" in arn:
            cluster = arn.split(":service/", 1)[1].split("/")[0]
            out = ecs.describe_services(cluster=cluster, services=[arn])["services"]
            return all(s["status"] == "INACTIVE" for s in out)
        if ":task-definition/" in arn:
            try:
                td = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            except Exception:
                return True
            return td["status"] != "ACTIVE"
    if ":rds:" in arn and ":snapshot:" in arn or ":cluster-snapshot:" in arn:
        return True  # a final snapshot is kept by design
    return False


def ec2_live_ids(ec2):
    """Ids of every EC2 resource of the kinds stacks make that exists now."""
    ids = set()
    listings = [
        ("describe_vpcs", "Vpcs", "VpcId", None),
        ("describe_subnets", "Subnets", "SubnetId", None),
        ("describe_security_groups", "SecurityGroups", "GroupId", None),
        ("describe_route_tables", "RouteTables", "RouteTableId", None),
        ("describe_internet_gateways", "InternetGateways", "InternetGatewayId", None),
        ("describe_egress_only_internet_gateways", "EgressOnlyInternetGateways", "EgressOnlyInternetGatewayId", None),
        ("describe_addresses", "Addresses", "AllocationId", None),
        ("describe_network_acls", "NetworkAcls", "NetworkAclId", None),
        ("describe_vpc_endpoints", "VpcEndpoints", "VpcEndpointId", None),
        ("describe_flow_logs", "FlowLogs", "FlowLogId", None),
        ("describe_launch_templates", "LaunchTemplates", "LaunchTemplateId", None),
    ]
    for call, key, id_key, _ in listings:
        try:
            for item in getattr(ec2, call)().get(key, []):
                # A deleted VPC endpoint stays listed (State `deleted`): gone.
                if str(item.get("State", "")).lower() in ("deleted", "deleting"):
                    continue
                ids.add(item[id_key])
        except Exception:  # a listing this local AWS lacks: none of that kind
            pass
    for nat in ec2.describe_nat_gateways().get("NatGateways", []):
        if nat["State"] not in ("deleted", "deleting"):
            ids.add(nat["NatGatewayId"])
    return ids


def tagged(endpoint, region, stack):
    """(address, kind, arn) of every live resource of the stack in a region."""
    out = []
    rgta = client("resourcegroupstaggingapi", endpoint, region)
    for page in rgta.get_paginator("get_resources").paginate(
        TagFilters=[{"Key": "stackr:stack", "Values": [stack]}]
    ):
        for m in page["ResourceTagMappingList"]:
            arn = m["ResourceARN"]
            if ":ec2:" in arn or dead(arn, endpoint, region):
                continue
            out.append((tag_map(m["Tags"]).get("stackr:resource", "?"), kind_of(arn), arn))
    # EC2 through its own tag index (Elastic IPs too), each id then checked
    # against its type's listing: the tag index can outlive a resource.
    ec2 = client("ec2", endpoint, region)
    live_ids = ec2_live_ids(ec2)
    for page in ec2.get_paginator("describe_tags").paginate(
        Filters=[{"Name": "key", "Values": ["stackr:stack"]}, {"Name": "value", "Values": [stack]}]
    ):
        for t in page["Tags"]:
            rid, rtype = t["ResourceId"], t["ResourceType"]
            if rid not in live_ids:
                continue
            tags = tag_map(
                ec2.describe_tags(
                    Filters=[{"Name": "resource-id", "Values": [rid]}, {"Name": "key", "Values": ["stackr:resource"]}]
                )["Tags"]
            )
            out.append((tags.get("stackr:resource", "?"), f"ec2:{rtype}", f"arn:aws:ec2:{region}::{rtype}/{rid}"))
    for scope in ("REGIONAL", "CLOUDFRONT") if region == "us-east-1" else ("REGIONAL",):
        waf = client("wafv2", endpoint, region)
        for lister, key in (("list_web_acls", "WebACLs"), ("list_ip_sets", "IPSets")):
            for item in getattr(waf, lister)(Scope=scope).get(key, []):
                tags = tag_map(
                    waf.list_tags_for_resource(ResourceARN=item["ARN"])
                    .get("TagInfoForResource", {})
                    .get("TagList", [])
                )
                if tags.get("stackr:stack") == stack:
                    out.append((tags.get("stackr:resource", "?"), kind_of(item["ARN"]), item["ARN"]))
    aas = client("application-autoscaling", endpoint, region)
    for target in aas.describe_scalable_targets(ServiceNamespace="ecs").get("ScalableTargets", []):
        arn = target.get("ScalableTargetARN")
        if not arn:
            continue
        tags = aas.list_tags_for_resource(ResourceARN=arn).get("Tags", {})
        if tags.get("stackr:stack") == stack:
            out.append((tags.get("stackr:resource", "?"), "application-autoscaling:scalable-target", arn))
    return out


def iam_tagged(endpoint, stack):
    out = []
    iam = client("iam", endpoint, "us-east-1")
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            tags = tag_map(iam.list_role_tags(RoleName=role["RoleName"]).get("Tags", []))
            if tags.get("stackr:stack") == stack:
                out.append((tags.get("stackr:resource", "?"), "iam:role", role["Arn"]))
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        for pol in page["Policies"]:
            tags = tag_map(iam.list_policy_tags(PolicyArn=pol["Arn"]).get("Tags", []))
            if tags.get("stackr:stack") == stack:
                out.append((tags.get("stackr:resource", "?"), "iam:policy", pol["Arn"]))
    return out


def main():
    endpoint, stack, regions = sys.argv[1], sys.argv[2], sys.argv[3:]
    found = iam_tagged(endpoint, stack)
    for region in regions:
        found += tagged(endpoint, region, stack)
    by_key = {}
    for address, kind, arn in found:
        by_key.setdefault((address, kind), set()).add(arn)
    duplicates = {f"{a} ({k})": sorted(v) for (a, k), v in by_key.items() if len(v) > 1}
    resources = {}
    for (a, _k), v in by_key.items():
        resources.setdefault(a, []).extend(sorted(v))
    print(json.dumps({"live": sum(len(v) for v in by_key.values()), "duplicates": duplicates, "resources": resources}))


if __name__ == "__main__":
    main()
