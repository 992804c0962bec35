#!/usr/bin/env python3
"""Writes a synthetic stack of N resources of mixed types with realistic
references (subnets and security groups into VPCs, log groups named after
roles), for the scale benchmarks.

    bench/gen_stack.py 2000 > /tmp/stack-2000.yaml
"""
import sys

def main() -> None:
    n = int(sys.argv[1])
    out = ["stack: scale-bench", "region: ap-northeast-1",
           "vars:", "  stage: bench", "tags:", "  project: scale-bench", "resources:"]
    i = 0
    group = 0
    while i < n:
        g = group
        block = [
            (f"vpc{g}", "aws.ec2.vpc", [f"cidr_block: 10.{g % 250}.0.0/16", "ipv6: true", "enable_dns_hostnames: true"]),
            (f"subnet{g}", "aws.ec2.subnet", [f"vpc_id: ${{vpc{g}.id}}", "availability_zone: ap-northeast-1a",
                                              f"cidr_block: ${{cidrsubnet(vpc{g}.cidr_block, 8, 1)}}"]),
            (f"sg{g}", "aws.ec2.security_group", [f"name: ${{var.stage}}-sg{g}", "description: bench",
                                                  f"vpc_id: ${{vpc{g}.id}}"]),
            (f"role{g}", "aws.iam.role", [f"name: ${{var.stage}}-role{g}",
                                          "assume_role_policy: { Version: '2012-10-17', Statement: [] }"]),
            (f"logs{g}", "aws.logs.log_group", [f"name: /bench/${{role{g}.name}}", "retention_in_days: 7"]),
        ]
        for name, kind, props in block:
            if i >= n:
                break
            out.append(f"  {name}:")
            out.append(f"    type: {kind}")
            out.append("    properties:")
            out.extend(f"      {p}" for p in props)
            i += 1
        group += 1
    print("\n".join(out))

if __name__ == "__main__":
    main()
