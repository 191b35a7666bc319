"""The seed's story, played by boto3 and awscli against a running `warden serve`.

Each test class starts its own server on a free port with a fresh embedded store and an
administrator key of its choosing, so the tests need nothing but the `warden` binary
(WARDEN_BIN, default target/debug/warden) and the pinned clients (requirements.txt).
"""

import datetime
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import boto3
import botocore.exceptions

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
WARDEN = os.environ.get("WARDEN_BIN", os.path.join(ROOT, "target", "debug", "warden"))
ADMIN_KEY = "AKIAWARDENE2EADMIN00"
ADMIN_SECRET = "e2eSecretKeyForTheAdministrator000000000"
REGION = "eu-west-1"  # --endpoint-url clients sign with their own region

EC2_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
             "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
# The seed's AmazonEC2ContainerServiceTaskRole trust relationship, verbatim.
TASKS_TRUST_TEXT = ('{ "Version": "2012-10-17", "Statement": [ { "Sid": "", "Effect": "Allow", '
                    '"Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Action": "sts:AssumeRole" } ] }')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, extra_setup=None, database=None):
        self.dir = tempfile.mkdtemp(prefix="warden-e2e-")
        self.db = database or os.path.join(self.dir, "account.db")
        if extra_setup:
            extra_setup(self)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.process = subprocess.Popen(self.argv(), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(open(os.path.join(self.dir, "server.log")).read())
                time.sleep(0.05)
        raise RuntimeError("warden serve did not start")

    def argv(self):
        return [WARDEN, "serve", "--port", str(self.port), "--database", self.db,
                "--admin-access-key-id", ADMIN_KEY, "--admin-secret-access-key", ADMIN_SECRET]

    def session(self, key=ADMIN_KEY, secret=ADMIN_SECRET, token=None):
        return boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret,
                                     aws_session_token=token, region_name=REGION)

    def client(self, service, **creds):
        return self.session(**creds).client(service, endpoint_url=self.url)

    def aws(self, *args, key=ADMIN_KEY, secret=ADMIN_SECRET):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        env.pop("AWS_SESSION_TOKEN", None)
        aws = os.path.join(os.path.dirname(os.path.realpath(__import__("sys").executable)), "aws")
        out = subprocess.run([aws, "--endpoint-url", self.url, "--output", "json", *args],
                             capture_output=True, text=True, env=env)
        return out

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def passed_to(service):
    return [{"ContextKeyName": "iam:PassedToService", "ContextKeyValues": [service],
             "ContextKeyType": "string"}]


class EcsStory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.iam = cls.server.client("iam")
        iam = cls.iam
        # The container instance role, its policy and its instance profile.
        iam.create_role(RoleName="ecsInstanceRole", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
        iam.attach_role_policy(RoleName="ecsInstanceRole", PolicyArn=
                               "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role")
        iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
        iam.add_role_to_instance_profile(InstanceProfileName="ecsInstanceRole", RoleName="ecsInstanceRole")
        # A task role with the ecs-tasks trust.
        cls.task_role = iam.create_role(RoleName="my-task-role",
                                        AssumeRolePolicyDocument=TASKS_TRUST_TEXT)["Role"]
        # A CI user holding AmazonECS_FullAccess, with an access key of its own.
        cls.ci = iam.create_user(UserName="ci-deployer", Path="/ci/")["User"]
        iam.attach_user_policy(UserName="ci-deployer",
                               PolicyArn="arn:aws:iam::aws:policy/AmazonECS_FullAccess")
        key = iam.create_access_key(UserName="ci-deployer")["AccessKey"]
        cls.ci_creds = {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def simulate_pass(self, role_arn, service):
        result = self.iam.simulate_principal_policy(
            PolicySourceArn=self.ci["Arn"], ActionNames=["iam:PassRole"],
            ResourceArns=[role_arn], ContextEntries=passed_to(service))
        return result["EvaluationResults"][0]["EvalDecision"]

    def test_the_task_role_keeps_its_trust_byte_for_byte(self):
        role = self.iam.get_role(RoleName="my-task-role")["Role"]
        self.assertEqual(role["Arn"], "arn:aws:iam::123456789012:role/my-task-role")
        self.assertTrue(role["RoleId"].startswith("AROA"))
        # boto3 decodes the URL-encoded document into JSON.
        self.assertEqual(role["AssumeRolePolicyDocument"], json.loads(TASKS_TRUST_TEXT))

    def test_instance_profile_holds_the_instance_role(self):
        profile = self.iam.get_instance_profile(InstanceProfileName="ecsInstanceRole")["InstanceProfile"]
        self.assertEqual([r["RoleName"] for r in profile["Roles"]], ["ecsInstanceRole"])
        attached = self.iam.list_attached_role_policies(RoleName="ecsInstanceRole")["AttachedPolicies"]
        self.assertEqual([p["PolicyName"] for p in attached], ["AmazonEC2ContainerServiceforEC2Role"])

    def test_pass_role_as_amazon_ecs_full_access_allows_it(self):
        task = self.task_role["Arn"]
        instance = "arn:aws:iam::123456789012:role/ecsInstanceRole"
        other = "arn:aws:iam::123456789012:role/someOtherRole"
        self.assertEqual(self.simulate_pass(task, "ecs-tasks.amazonaws.com"), "allowed")
        self.assertEqual(self.simulate_pass(task, "ec2.amazonaws.com"), "implicitDeny")
        self.assertEqual(self.simulate_pass(instance, "ec2.amazonaws.com"), "allowed")
        self.assertEqual(self.simulate_pass(other, "ec2.amazonaws.com"), "implicitDeny")

    def test_the_ci_user_is_authorized_by_its_policies(self):
        ci_iam = self.server.client("iam", **self.ci_creds)
        # AmazonECS_FullAccess grants iam:ListRoles ...
        names = [r["RoleName"] for r in ci_iam.list_roles()["Roles"]]
        self.assertIn("my-task-role", names)
        # ... and not iam:CreateRole, which IAM refuses with its own words.
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            ci_iam.create_role(RoleName="sneaky", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], "AccessDenied")
        self.assertEqual(
            error["Message"],
            "User: arn:aws:iam::123456789012:user/ci/ci-deployer is not authorized to perform: "
            "iam:CreateRole on resource: arn:aws:iam::123456789012:role/sneaky because no "
            "identity-based policy allows the iam:CreateRole action")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        # Nothing was stored.
        with self.assertRaises(botocore.exceptions.ClientError):
            self.iam.get_role(RoleName="sneaky")

    def test_the_deprecated_policy_cannot_be_attached_anew(self):
        self.iam.create_role(RoleName="new-role", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.iam.attach_role_policy(
                RoleName="new-role",
                PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess")
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], "NoSuchEntity")
        self.assertEqual(error["Message"], "Policy arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess "
                                           "does not exist or is not attachable.")
        attached = self.iam.list_attached_role_policies(RoleName="new-role")["AttachedPolicies"]
        self.assertEqual(attached, [])

    def test_assume_role_then_act_as_the_session(self):
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Principal": {"AWS": self.ci["Arn"]}, "Action": "sts:AssumeRole"}]}
        role = self.iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(trust),
                                    MaxSessionDuration=3600)["Role"]
        self.iam.put_role_policy(RoleName="reader", PolicyName="list-only", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles",
                                                     "Resource": "*"}]}))
        sts = self.server.client("sts", **self.ci_creds)
        creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="e2e")["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        session = {"key": creds["AccessKeyId"], "secret": creds["SecretAccessKey"],
                   "token": creds["SessionToken"]}
        who = self.server.client("sts", **session).get_caller_identity()
        self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/reader/e2e")
        self.assertEqual(who["Account"], "123456789012")
        as_role = self.server.client("iam", **session)
        self.assertIn("reader", [r["RoleName"] for r in as_role.list_roles()["Roles"]])
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            as_role.create_user(UserName="nope")
        self.assertEqual(caught.exception.response["Error"]["Code"], "AccessDenied")
        # Longer than the role allows.
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            sts.assume_role(RoleArn=role["Arn"], RoleSessionName="long", DurationSeconds=7200)
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationError")
        # A wrong token is refused.
        bad = dict(session, token="WardenNotTheToken")
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.server.client("sts", **bad).get_caller_identity()
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidClientTokenId")

    def test_simulate_custom_policy_over_the_wire_equals_warden_simulate(self):
        with open(os.path.join(ROOT, "examples", "AmazonECS_FullAccess.json")) as f:
            policy = f.read()
        request = {"PolicyInputList": [policy], "ActionNames": ["iam:PassRole"],
                   "ResourceArns": [self.task_role["Arn"],
                                    "arn:aws:iam::123456789012:role/ecsInstanceRole"],
                   "ContextEntries": passed_to("ec2.amazonaws.com")}
        wire = self.iam.simulate_custom_policy(**request)
        local = subprocess.run([WARDEN, "simulate", "--cli-input-json", json.dumps(request)],
                               capture_output=True, text=True, check=True)
        results = json.loads(local.stdout)["EvaluationResults"]
        # The command line adds Warden's explanation of each denial (WardenExplanation); the
        # wire answer is AWS's shape alone, and the rest must be equal.
        self.assertTrue(any("WardenExplanation" in r for r in results))
        for r in results:
            r.pop("WardenExplanation", None)
        self.assertEqual(wire["EvaluationResults"], results)

    def test_awscli_works_unmodified(self):
        out = self.server.aws("sts", "get-caller-identity")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["Arn"], "arn:aws:iam::123456789012:user/admin")
        out = self.server.aws("iam", "get-role", "--role-name", "ecsInstanceRole")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["Role"]["RoleName"], "ecsInstanceRole")
        out = self.server.aws("iam", "get-role", "--role-name", "nobody")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("NoSuchEntity", out.stderr)

    def test_bad_signatures_and_unknown_actions(self):
        wrong = self.server.client("iam", key=ADMIN_KEY, secret="x" * 40)
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            wrong.list_roles()
        self.assertEqual(caught.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        unknown = self.server.client("iam", key="AKIANOSUCHKEY0000000", secret="x" * 40)
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            unknown.list_roles()
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidClientTokenId")


class AssumeRoleRules(unittest.TestCase):
    """AssumeRole as STS decides it: ExternalId, session policies and tags, chaining, tokens."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        iam = cls.iam = cls.server.client("iam")
        cls.user = iam.create_user(UserName="operator")["User"]
        iam.put_user_policy(UserName="operator", PolicyName="assume", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"}]}))
        key = iam.create_access_key(UserName="operator")["AccessKey"]
        cls.creds = {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
        account_root = "arn:aws:iam::123456789012:root"

        def role(name, statement, policy_actions):
            arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [statement]}))["Role"]["Arn"]
            iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": policy_actions, "Resource": "*"}]}))
            return arn

        cls.external = role("external", {"Effect": "Allow", "Principal": {"AWS": account_root},
                                         "Action": "sts:AssumeRole",
                                         "Condition": {"StringEquals": {"sts:ExternalId": "s3cr3t"}}},
                            ["iam:ListRoles", "iam:ListUsers"])
        cls.tagged = role("tagged", {"Effect": "Allow", "Principal": {"AWS": account_root},
                                     "Action": ["sts:AssumeRole", "sts:TagSession"],
                                     "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}}},
                          ["iam:ListRoles"])
        cls.first = role("first", {"Effect": "Allow", "Principal": {"AWS": account_root},
                                   "Action": "sts:AssumeRole"}, ["sts:AssumeRole", "iam:ListRoles"])
        cls.second = role("second", {"Effect": "Allow",
                                     "Principal": {"AWS": "arn:aws:iam::123456789012:role/first"},
                                     "Action": "sts:AssumeRole"}, ["iam:ListUsers"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def sts(self, **creds):
        return self.server.client("sts", **(creds or self.creds))

    def code(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(**kwargs)
        return caught.exception.response["Error"]["Code"]

    @staticmethod
    def session_creds(response):
        c = response["Credentials"]
        return {"key": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"]}

    def test_role_last_used_tells_when_and_where_a_role_was_assumed(self):
        self.iam.create_role(RoleName="unused", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
                "AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}),
            Tags=[{"Key": "team", "Value": "blue"}])
        self.assertEqual(self.iam.get_role(RoleName="unused")["Role"]["RoleLastUsed"], {})
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.sts().assume_role(RoleArn="arn:aws:iam::123456789012:role/unused", RoleSessionName="uu")
        used = self.iam.get_role(RoleName="unused")["Role"]["RoleLastUsed"]
        self.assertEqual(used["Region"], REGION)
        self.assertGreaterEqual(used["LastUsedDate"], before)
        # ListRoles leaves out RoleLastUsed, Tags and PermissionsBoundary (API_ListRoles.html).
        listed = [r for r in self.iam.list_roles()["Roles"] if r["RoleName"] == "unused"][0]
        for absent in ("RoleLastUsed", "Tags", "PermissionsBoundary"):
            self.assertNotIn(absent, listed)

    def test_external_id_must_match(self):
        assume = self.sts().assume_role
        self.assertEqual(self.code(assume, RoleArn=self.external, RoleSessionName="ss"), "AccessDenied")
        self.assertEqual(self.code(assume, RoleArn=self.external, RoleSessionName="ss",
                                   ExternalId="wrong"), "AccessDenied")
        ok = assume(RoleArn=self.external, RoleSessionName="ss", ExternalId="s3cr3t")
        self.assertEqual(ok["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::123456789012:assumed-role/external/ss")

    def test_a_session_policy_cuts_the_role_permissions(self):
        session = self.session_creds(self.sts().assume_role(
            RoleArn=self.external, RoleSessionName="cut", ExternalId="s3cr3t",
            Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]})))
        iam = self.server.client("iam", **session)
        iam.list_roles()
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            iam.list_users()
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], "AccessDenied")
        self.assertIn("because no session policy allows the iam:ListUsers action", error["Message"])

    def test_session_tags_are_request_tags_of_the_assume_role(self):
        assume = self.sts().assume_role
        self.assertEqual(self.code(assume, RoleArn=self.tagged, RoleSessionName="tt",
                                   Tags=[{"Key": "team", "Value": "red"}]), "AccessDenied")
        assume(RoleArn=self.tagged, RoleSessionName="tt", Tags=[{"Key": "team", "Value": "blue"}])

    def test_role_chaining_is_limited_to_an_hour(self):
        first = self.session_creds(self.sts().assume_role(RoleArn=self.first, RoleSessionName="one"))
        chained = self.sts(**first)
        self.assertEqual(self.code(chained.assume_role, RoleArn=self.second, RoleSessionName="two",
                                   DurationSeconds=7200), "ValidationError")
        second = self.session_creds(chained.assume_role(RoleArn=self.second, RoleSessionName="two"))
        who = self.sts(**second).get_caller_identity()
        self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/second/two")
        self.server.client("iam", **second).list_users()
        with self.assertRaises(botocore.exceptions.ClientError):
            self.server.client("iam", **second).list_roles()

    def test_get_session_token_acts_as_the_user(self):
        token = self.session_creds(self.sts().get_session_token(DurationSeconds=900))
        self.assertTrue(token["key"].startswith("ASIA"))
        who = self.sts(**token).get_caller_identity()
        self.assertEqual(who["Arn"], self.user["Arn"])
        # A token is bound to its key: another session's token is refused.
        other = self.session_creds(self.sts().get_session_token(DurationSeconds=900))
        mixed = dict(token, token=other["token"])
        self.assertEqual(self.code(self.sts(**mixed).get_caller_identity), "InvalidClientTokenId")


class RequestContext(unittest.TestCase):
    """The keys AWS puts in every signed request's context, as policies see them over the wire:
    aws:PrincipalTag (the role's tags, overridden by session tags, passed down a role chain when
    transitive), aws:SourceIdentity, aws:userid, aws:SourceIp, aws:SecureTransport."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        iam = cls.iam = cls.server.client("iam")
        cls.user = iam.create_user(UserName="dev")["User"]
        iam.put_user_policy(UserName="dev", PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession",
                                               "sts:SetSourceIdentity"], "Resource": "*"},
                # Only from loopback, over plain HTTP, as this very user.
                {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"},
                               "Bool": {"aws:SecureTransport": "false"},
                               "StringEquals": {"aws:userid": cls.user["UserId"]}}},
                # Never from 10.0.0.0/8: not where this request comes from.
                {"Effect": "Allow", "Action": "iam:ListGroups", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}))
        key = iam.create_access_key(UserName="dev")["AccessKey"]
        cls.creds = {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]}
        by_team = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}},
            {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}}},
            {"Effect": "Allow", "Action": "iam:ListPolicies", "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceIdentity": "alice"}}}]}
        for name in ("abac", "chained"):
            cls_role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                                       Tags=[{"Key": "Team", "Value": "red"}])["Role"]
            iam.put_role_policy(RoleName=name, PolicyName="by-team",
                                PolicyDocument=json.dumps(by_team))
            setattr(cls, name, cls_role["Arn"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def allowed(self, iam, operation):
        try:
            getattr(iam, operation)()
            return True
        except botocore.exceptions.ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "AccessDenied")
            return False

    def assume(self, creds, role, name, **kwargs):
        c = self.server.client("sts", **creds).assume_role(RoleArn=role, RoleSessionName=name,
                                                          **kwargs)["Credentials"]
        return {"key": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"]}

    def test_source_ip_secure_transport_and_userid(self):
        iam = self.server.client("iam", **self.creds)
        self.assertTrue(self.allowed(iam, "list_users"))
        self.assertFalse(self.allowed(iam, "list_groups"))

    def test_list_operations_are_decided_on_the_listed_path(self):
        # IAM names `arn:aws:iam::ACCOUNT:role/` as ListRoles' resource (troubleshoot_access-denied.html),
        # so a grant on role/* allows it, and one on user/ci/* allows ListUsers under /ci/ only.
        self.iam.create_user(UserName="lister")
        self.iam.put_user_policy(UserName="lister", PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:ListRoles",
                 "Resource": "arn:aws:iam::123456789012:role/*"},
                {"Effect": "Allow", "Action": "iam:ListUsers",
                 "Resource": "arn:aws:iam::123456789012:user/ci/*"}]}))
        key = self.iam.create_access_key(UserName="lister")["AccessKey"]
        iam = self.server.client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        iam.list_roles()
        iam.list_users(PathPrefix="/ci/")
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            iam.list_users()
        self.assertEqual(caught.exception.response["Error"]["Message"],
                         "User: arn:aws:iam::123456789012:user/lister is not authorized to perform: "
                         "iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no "
                         "identity-based policy allows the iam:ListUsers action")

    def test_role_tags_are_principal_tags_and_session_tags_override_them(self):
        plain = self.server.client("iam", **self.assume(self.creds, self.abac, "plain"))
        # The role's tag Team=red, matched regardless of the key's case.
        self.assertTrue(self.allowed(plain, "list_users"))
        self.assertFalse(self.allowed(plain, "list_roles"))
        tagged = self.server.client("iam", **self.assume(
            self.creds, self.abac, "tagged", Tags=[{"Key": "team", "Value": "blue"}]))
        self.assertTrue(self.allowed(tagged, "list_roles"))
        self.assertFalse(self.allowed(tagged, "list_users"))

    def test_transitive_tags_pass_down_a_role_chain_and_cannot_be_reset(self):
        first = self.assume(self.creds, self.abac, "first", Tags=[{"Key": "team", "Value": "blue"}],
                            TransitiveTagKeys=["team"])
        second = self.server.client("iam", **self.assume(first, self.chained, "second"))
        self.assertTrue(self.allowed(second, "list_roles"))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.assume(first, self.chained, "again", Tags=[{"Key": "TEAM", "Value": "red"}])
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidParameterValue")
        # Without TransitiveTagKeys the tag stays with its session: the chained role's own applies.
        untransitive = self.assume(self.creds, self.abac, "once", Tags=[{"Key": "team", "Value": "blue"}])
        chained = self.server.client("iam", **self.assume(untransitive, self.chained, "next"))
        self.assertFalse(self.allowed(chained, "list_roles"))
        self.assertTrue(self.allowed(chained, "list_users"))

    def test_source_identity_is_kept_and_needs_permission(self):
        sts = self.server.client("sts", **self.creds)
        answer = sts.assume_role(RoleArn=self.abac, RoleSessionName="src", SourceIdentity="alice")
        self.assertEqual(answer["SourceIdentity"], "alice")
        creds = {"key": answer["Credentials"]["AccessKeyId"],
                 "secret": answer["Credentials"]["SecretAccessKey"],
                 "token": answer["Credentials"]["SessionToken"]}
        self.assertTrue(self.allowed(self.server.client("iam", **creds), "list_policies"))
        # A role chain keeps it, and cannot change it.
        chained = self.assume(creds, self.chained, "src2")
        self.assertTrue(self.allowed(self.server.client("iam", **chained), "list_policies"))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.assume(creds, self.chained, "src3", SourceIdentity="mallory")
        self.assertEqual(caught.exception.response["Error"]["Code"], "AccessDenied")
        # A caller without sts:SetSourceIdentity cannot set one.
        self.iam.create_user(UserName="nosource")
        self.iam.put_user_policy(UserName="nosource", PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        key = self.iam.create_access_key(UserName="nosource")["AccessKey"]
        other = {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.assume(other, self.abac, "src4", SourceIdentity="alice")
        self.assertIn("sts:SetSourceIdentity", caught.exception.response["Error"]["Message"])
        self.assume(other, self.abac, "src5")


class SessionsInTheStore(unittest.TestCase):
    """Temporary credentials are kept in the store: a restarted server still accepts them."""

    def test_a_session_outlives_its_server(self):
        keep = tempfile.mkdtemp(prefix="warden-e2e-sessions-")
        database = os.path.join(keep, "account.db")
        try:
            first = Server(database=database)
            try:
                iam = first.client("iam")
                iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(
                    {"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "sts:AssumeRole"}]}))
                iam.put_role_policy(RoleName="deployer", PolicyName="p", PolicyDocument=json.dumps(
                    {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}))
                c = first.client("sts").assume_role(
                    RoleArn="arn:aws:iam::123456789012:role/deployer",
                    RoleSessionName="outlives")["Credentials"]
            finally:
                first.stop()
            second = Server(database=database)
            try:
                creds = {"key": c["AccessKeyId"], "secret": c["SecretAccessKey"],
                         "token": c["SessionToken"]}
                who = second.client("sts", **creds).get_caller_identity()
                self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/deployer/outlives")
                second.client("iam", **creds).list_roles()
            finally:
                second.stop()
        finally:
            shutil.rmtree(keep, ignore_errors=True)


class Robustness(unittest.TestCase):
    """Bad requests get AWS's error codes, never a 500, and change nothing."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.iam = cls.server.client("iam")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def signed(self, body, service="iam"):
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        import urllib.request
        request = botocore.awsrequest.AWSRequest(
            method="POST", url=self.server.url + "/", data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        credentials = botocore.credentials.Credentials(ADMIN_KEY, ADMIN_SECRET)
        botocore.auth.SigV4Auth(credentials, service, REGION).add_auth(request)
        prepared = urllib.request.Request(self.server.url + "/", data=body.encode(),
                                          headers=dict(request.headers.items()), method="POST")
        try:
            with urllib.request.urlopen(prepared) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def count_roles(self):
        return len(self.iam.list_roles()["Roles"])

    def test_missing_action(self):
        status, body = self.signed("Version=2010-05-08")
        self.assertEqual(status, 400)
        self.assertIn("<Code>MissingAction</Code>", body)

    def test_unknown_action(self):
        status, body = self.signed("Action=FlyToTheMoon&Version=2010-05-08")
        self.assertEqual(status, 400)
        self.assertIn("<Code>InvalidAction</Code>", body)

    def test_malformed_parameters(self):
        before = self.count_roles()
        status, body = self.signed("Action=CreateRole&Version=2010-05-08&RoleName=x")
        self.assertEqual(status, 400, body)
        self.assertIn("<Code>ValidationError</Code>", body)
        status, body = self.signed(
            "Action=CreateRole&Version=2010-05-08&RoleName=x&AssumeRolePolicyDocument=%7B"
            "&MaxSessionDuration=lots")
        self.assertEqual(status, 400, body)
        self.assertEqual(self.count_roles(), before)

    def test_a_policy_that_does_not_parse(self):
        before = self.count_roles()
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.iam.create_role(RoleName="broken", AssumeRolePolicyDocument='{"Version": ')
        self.assertEqual(caught.exception.response["Error"]["Code"], "MalformedPolicyDocument")
        self.assertEqual(self.count_roles(), before)

    def test_an_oversized_body(self):
        import urllib.request
        body = b"Action=ListRoles&Version=2010-05-08&Pad=" + b"x" * (2 * 1024 * 1024)
        request = urllib.request.Request(self.server.url + "/", data=body, method="POST")
        try:
            urllib.request.urlopen(request)
            self.fail("an oversized body was accepted")
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 413)
            self.assertIn(b"RequestEntityTooLarge", e.read())
        except (ConnectionResetError, BrokenPipeError):
            pass  # the server may close the connection before reading it all
        except urllib.error.URLError as e:
            # The server answers 413 from the declared length and closes without reading the
            # body, so the client may fail while still sending it.
            if not isinstance(e.reason, (ConnectionResetError, BrokenPipeError)):
                raise
        self.assertGreaterEqual(self.count_roles(), 0)  # still serving

    def test_unsigned_requests(self):
        import urllib.request
        request = urllib.request.Request(self.server.url + "/", data=b"Action=ListRoles&Version=2010-05-08",
                                         method="POST")
        try:
            urllib.request.urlopen(request)
            self.fail("an unsigned request was accepted")
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 403)
            self.assertIn(b"MissingAuthenticationToken", e.read())


POSTGRES = os.environ.get("WARDEN_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


@unittest.skipIf(os.environ.get("WARDEN_TEST_POSTGRES") == "skip", "PostgreSQL tests skipped")
class PostgresStore(unittest.TestCase):
    """The same endpoint on PostgreSQL (a schema of its own), as shared deployments run it."""

    @classmethod
    def setUpClass(cls):
        cls.schema = f"warden_e2e_{os.getpid()}"
        subprocess.run(["psql", POSTGRES, "-q", "-c", f"DROP SCHEMA IF EXISTS {cls.schema} CASCADE",
                        "-c", f"CREATE SCHEMA {cls.schema}"], check=True, capture_output=True)
        separator = "&" if "?" in POSTGRES else "?"
        cls.server = Server(database=f"{POSTGRES}{separator}options=-csearch_path%3D{cls.schema}")
        cls.iam = cls.server.client("iam")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        subprocess.run(["psql", POSTGRES, "-q", "-c", f"DROP SCHEMA IF EXISTS {cls.schema} CASCADE"],
                       capture_output=True)

    def test_roles_policies_and_simulation(self):
        self.iam.create_role(RoleName="my-task-role", AssumeRolePolicyDocument=TASKS_TRUST_TEXT)
        user = self.iam.create_user(UserName="ci-deployer")["User"]
        self.iam.attach_user_policy(UserName="ci-deployer",
                                    PolicyArn="arn:aws:iam::aws:policy/AmazonECS_FullAccess")
        result = self.iam.simulate_principal_policy(
            PolicySourceArn=user["Arn"], ActionNames=["iam:PassRole"],
            ResourceArns=["arn:aws:iam::123456789012:role/my-task-role"],
            ContextEntries=passed_to("ecs-tasks.amazonaws.com"))
        self.assertEqual(result["EvaluationResults"][0]["EvalDecision"], "allowed")
        version = self.iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                     "Resource": "*"}]}))["Policy"]
        for _ in range(4):
            self.iam.create_policy_version(PolicyArn=version["Arn"], PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                                         "Resource": "*"}]}))
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.iam.create_policy_version(PolicyArn=version["Arn"], PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                         "Resource": "*"}]}))
        self.assertEqual(caught.exception.response["Error"]["Code"], "LimitExceeded")
        self.assertEqual(caught.exception.response["Error"]["Message"],
                         "A managed policy can have up to 5 versions. Before you create a new "
                         "version, you must delete an existing version.")

    def test_two_servers_on_one_database_accept_each_others_sessions(self):
        separator = "&" if "?" in POSTGRES else "?"
        other = Server(database=f"{POSTGRES}{separator}options=-csearch_path%3D{self.schema}")
        try:
            c = self.server.client("sts").get_session_token(DurationSeconds=900)["Credentials"]
            creds = {"key": c["AccessKeyId"], "secret": c["SecretAccessKey"],
                     "token": c["SessionToken"]}
            who = other.client("sts", **creds).get_caller_identity()
            self.assertEqual(who["Arn"], "arn:aws:iam::123456789012:user/admin")
        finally:
            other.stop()


class ExistingAttachments(unittest.TestCase):
    """An account imported with the deprecated policy already attached keeps it and its grants."""

    @classmethod
    def setUpClass(cls):
        def import_account(server):
            subprocess.run([WARDEN, "account", "import",
                            os.path.join(ROOT, "examples", "account-authorization-details.json"),
                            "--database", server.db], check=True, capture_output=True)
        cls.server = Server(extra_setup=import_account)
        cls.iam = cls.server.client("iam")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_the_deprecated_policy_stays_and_still_grants(self):
        attached = self.iam.list_attached_user_policies(UserName="legacy-admin")["AttachedPolicies"]
        self.assertIn("AmazonEC2ContainerServiceFullAccess", [p["PolicyName"] for p in attached])
        result = self.iam.simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::111122223333:user/legacy-admin",
            ActionNames=["iam:PassRole"],
            ResourceArns=["arn:aws:iam::111122223333:role/any-role-at-all"])
        self.assertEqual(result["EvaluationResults"][0]["EvalDecision"], "allowed")


if __name__ == "__main__":
    unittest.main()
