"""Realistic Lambda: a new function is Pending before Active, an update is
InProgress before Successful, and updates meanwhile are refused with
ResourceConflictException, as AWS documents function states."""

import io
import json
import zipfile

from .realistic_base import RealisticCase


class LambdaStates(RealisticCase):
    # Pending lasts 2-10 AWS s: at 2x, 1-5 wall seconds to be refused in.
    SCALE = 2

    def setUp(self):
        super().setUp()
        self.fn = self.client("lambda")
        iam = self.client("iam")
        trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        self.role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", "def handler(e, c):\n    return 1\n")
        self.zip = buf.getvalue()

    def config(self, name):
        return self.fn.get_function_configuration(FunctionName=name)

    def test_pending_then_active_and_updates_refused_until_then(self):
        made = self.fn.create_function(
            FunctionName="early", Runtime="python3.12", Role=self.role, Handler="app.handler", Code={"ZipFile": self.zip}
        )
        self.assertEqual((made["State"], made.get("StateReasonCode")), ("Pending", "Creating"))
        self.assertEqual(self.config("early")["State"], "Pending")
        err = self.assertRefused("ResourceConflictException", self.fn.update_function_configuration, FunctionName="early", MemorySize=256)
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        self.wait_until(lambda: self.config("early")["State"] == "Active", what="function active")

        changed = self.fn.update_function_configuration(FunctionName="early", MemorySize=256)
        self.assertEqual(changed["LastUpdateStatus"], "InProgress")
        self.assertEqual(self.config("early")["LastUpdateStatus"], "InProgress")
        self.assertRefused("ResourceConflictException", self.fn.update_function_code, FunctionName="early", ZipFile=self.zip)
        self.wait_until(lambda: self.config("early")["LastUpdateStatus"] == "Successful", what="update done")
        self.assertEqual(self.config("early")["MemorySize"], 256)
        self.fn.update_function_code(FunctionName="early", ZipFile=self.zip)
