"""Security group rules as AWS matches them: a rule naming a group is its
protocol, ports and peer group; its description is not part of it."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class RulesNamingAGroup(RealisticCase):
    REALISTIC = False

    def setUp(self):
        super().setUp()
        self.ec2 = self.client("ec2")
        vpc = self.ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        self.app = self.ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
        self.db = self.ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]

    def permission(self, description=None):
        pair = {"GroupId": self.app, **({"Description": description} if description else {})}
        return {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [pair]}

    def rules(self):
        out = self.ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [self.db]}])
        return [r for r in out["SecurityGroupRules"] if not r["IsEgress"]]

    def test_revoking_by_permissions_needs_no_description(self):
        self.ec2.authorize_security_group_ingress(GroupId=self.db, IpPermissions=[self.permission("postgres")])
        self.assertEqual([r.get("Description") for r in self.rules()], ["postgres"])
        answer = self.ec2.revoke_security_group_ingress(GroupId=self.db, IpPermissions=[self.permission()])
        self.assertTrue(answer["Return"])
        self.assertEqual(self.rules(), [])

    def test_the_same_rule_with_another_description_is_a_duplicate(self):
        self.ec2.authorize_security_group_ingress(GroupId=self.db, IpPermissions=[self.permission("postgres")])
        with self.assertRaises(ClientError) as e:
            self.ec2.authorize_security_group_ingress(GroupId=self.db, IpPermissions=[self.permission("other")])
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidPermission.Duplicate")

    def test_modify_sets_the_description_of_a_rule_naming_a_group(self):
        self.ec2.authorize_security_group_ingress(GroupId=self.db, IpPermissions=[self.permission("postgres")])
        rule = self.rules()[0]
        self.ec2.modify_security_group_rules(
            GroupId=self.db,
            SecurityGroupRules=[
                {
                    "SecurityGroupRuleId": rule["SecurityGroupRuleId"],
                    "SecurityGroupRule": {
                        "IpProtocol": "tcp",
                        "FromPort": 5432,
                        "ToPort": 5432,
                        "ReferencedGroupId": self.app,
                        "Description": "edited",
                    },
                }
            ],
        )
        self.assertEqual(self.rules()[0].get("Description"), "edited")
        group = self.ec2.describe_security_groups(GroupIds=[self.db])["SecurityGroups"][0]
        self.assertEqual(group["IpPermissions"][0].get("IpRanges", []), [])
        self.assertEqual(group["IpPermissions"][0]["UserIdGroupPairs"][0]["Description"], "edited")


class RulesNamingAPrefixList(RealisticCase):
    """AWS keeps a prefix-list rule's description (PrefixListId.Description)."""

    REALISTIC = False

    def setUp(self):
        super().setUp()
        self.ec2 = self.client("ec2")
        vpc = self.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        self.group = self.ec2.create_security_group(GroupName="api", Description="api", VpcId=vpc)["GroupId"]
        lists = self.ec2.describe_prefix_lists()["PrefixLists"]
        self.prefix_list = next(p["PrefixListId"] for p in lists if p["PrefixListName"].endswith(".s3"))

    def permission(self, description):
        return {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "PrefixListIds": [{"PrefixListId": self.prefix_list, "Description": description}],
        }

    def egress(self):
        group = self.ec2.describe_security_groups(GroupIds=[self.group])["SecurityGroups"][0]
        return [p for p in group["IpPermissionsEgress"] if p["IpProtocol"] == "tcp"]

    def rule(self):
        out = self.ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [self.group]}])
        return next(r for r in out["SecurityGroupRules"] if r.get("PrefixListId"))

    def test_the_description_is_read_back_both_ways(self):
        self.ec2.authorize_security_group_egress(GroupId=self.group, IpPermissions=[self.permission("S3")])
        self.assertEqual(self.egress()[0]["PrefixListIds"], [{"PrefixListId": self.prefix_list, "Description": "S3"}])
        self.assertEqual(self.rule().get("Description"), "S3")

    def test_the_description_is_changed_in_place(self):
        self.ec2.authorize_security_group_egress(GroupId=self.group, IpPermissions=[self.permission("S3")])
        self.ec2.update_security_group_rule_descriptions_egress(
            GroupId=self.group, IpPermissions=[self.permission("objects")]
        )
        self.assertEqual(self.rule().get("Description"), "objects")
        rule = self.rule()
        self.ec2.modify_security_group_rules(
            GroupId=self.group,
            SecurityGroupRules=[
                {
                    "SecurityGroupRuleId": rule["SecurityGroupRuleId"],
                    "SecurityGroupRule": {
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "PrefixListId": self.prefix_list,
                        "Description": "edited",
                    },
                }
            ],
        )
        self.assertEqual(self.egress()[0]["PrefixListIds"][0].get("Description"), "edited")
