"""Parameter Store pages as AWS does: DescribeParameters honours MaxResults."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class DescribeParametersPages(RealisticCase):
    REALISTIC = False

    def test_max_results_sets_the_page_size_up_to_fifty(self):
        ssm = self.client("ssm")
        for i in range(120):
            ssm.put_parameter(Name=f"/pages/p{i:03}", Value="v", Type="String")
        names, pages, token = [], 0, None
        while True:
            kw = {"MaxResults": 50, **({"NextToken": token} if token else {})}
            out = ssm.describe_parameters(**kw)
            pages += 1
            names += [p["Name"] for p in out["Parameters"]]
            self.assertLessEqual(len(out["Parameters"]), 50)
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(names), [f"/pages/p{i:03}" for i in range(120)])
        self.assertEqual(len(ssm.describe_parameters()["Parameters"]), 10, "ten by default")
        with self.assertRaises(ClientError) as e:
            ssm.describe_parameters(MaxResults=51)
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationException")
