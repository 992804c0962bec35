#!/usr/bin/env python3
"""Writes a synthetic stack of N resources of mixed types with realistic
references (subnets and security groups into VPCs, log groups named after
roles), for the scale benchmarks.

    bench/gen_stack.py 2000 > /tmp/stack-2000.yaml
    bench/gen_stack.py 2000 --light > /tmp/stack-2000.yaml

With --light, only types whose AWS calls cost the local AWS the same at
any size (IAM roles, log groups, SSM parameters, looked up by name), so an
apply's time measures stackr rather than the emulator's linear scans (its
EC2 describe calls filter every VPC, subnet and security group in Python).
"""
import sys

def light_block(g):
    return [
        (f"role{g}", "aws.iam.role", [f"name: ${{var.stage}}-role{g}",
                                      "assume_role_policy: { Version: '2012-10-17', Statement: [] }"]),
        (f"logs{g}", "aws.logs.log_group", [f"name: /bench/${{role{g}.name}}", "retention_in_days: 7"]),
        (f"role_arn{g}", "aws.ssm.parameter", [f"name: /bench/${{var.stage}}/{g}/role", "type: String",
                                               f"value: ${{role{g}.arn}}"]),
        (f"logs_arn{g}", "aws.ssm.parameter", [f"name: /bench/${{var.stage}}/{g}/logs", "type: String",
                                               f"value: ${{logs{g}.arn}}"]),
    ]


def main() -> None:
    n = int(sys.argv[1])
    light = "--light" in sys.argv[2:]
    out = ["stack: scale-bench", "region: ap-northeast-1",
           "vars:", "  stage: bench", "tags:", "  project: scale-bench", "resources:"]
    i = 0
    group = 0
    while i < n:
        g = group
        block = light_block(g) if light else [
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
