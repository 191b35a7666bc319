"""Several `warden serve` on one PostgreSQL database, driven by boto3: the seed's story played
across them (create on one, use on another; AssumeRole on one, call with the session on
another; detach on one and be refused on another), a server killed and started again, and a
server's notification connection cut.

Each server listens for changes with --max-staleness BOUND: a write through one server is seen
by every other within BOUND, whatever happens to its listener (docs/account.md, "Several
servers"). So each step waits BOUND after a write before it uses another server: that is the
documented guarantee, not a guess at timing.

The database is the machine's PostgreSQL (WARDEN_TEST_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/test), in a schema made for the test class and dropped after
it; WARDEN_TEST_POSTGRES=skip skips these tests (CI never does).
"""

import json
import os
import subprocess
import time
import unittest
import uuid

import botocore.exceptions

from test_ecs_story import TASKS_TRUST_TEXT, Server, passed_to

BASE = os.environ.get("WARDEN_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
BOUND = 0.5  # seconds: the servers' --max-staleness
SKIP = os.environ.get("WARDEN_TEST_POSTGRES") == "skip"


def psql(sql):
    """Runs `sql` on the test database as its administrator; returns the output's lines."""
    out = subprocess.run(["psql", BASE, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


class PgServer(Server):
    """`warden serve` on the shared database, listening for changes with the test's bound."""

    def __init__(self, url):
        self.staleness = f"{int(BOUND * 1000)}ms"
        super().__init__(database=url)

    def argv(self):
        return super().argv() + ["--max-staleness", self.staleness]


def settle():
    """Waits out the bound: every server has seen every write made before."""
    time.sleep(BOUND + 0.1)


@unittest.skipIf(SKIP, "WARDEN_TEST_POSTGRES=skip")
class ScaleOut(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = "warden_e2e_" + uuid.uuid4().hex[:12]
        psql(f"CREATE SCHEMA {cls.schema}")
        separator = "&" if "?" in BASE else "?"
        cls.url = f"{BASE}{separator}options=-csearch_path%3D{cls.schema}"
        cls.servers = []
        cls.one = cls.start()
        cls.two = cls.start()

    @classmethod
    def start(cls):
        server = PgServer(cls.url)
        cls.servers.append(server)
        return server

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.stop()
        psql(f"DROP SCHEMA IF EXISTS {cls.schema} CASCADE")

    def code(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(**kwargs)
        return caught.exception.response["Error"]["Code"]

    def make_ci_user(self, server, name):
        iam = server.client("iam")
        user = iam.create_user(UserName=name, Path="/ci/")["User"]
        iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonECS_FullAccess")
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return user, {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}

    def test_the_story_across_two_servers(self):
        one, two = self.one, self.two
        # Create on one ...
        role = one.client("iam").create_role(RoleName="my-task-role",
                                             AssumeRolePolicyDocument=TASKS_TRUST_TEXT)["Role"]
        user, ci = self.make_ci_user(one, "ci-deployer")
        settle()
        # ... use on the other: the role, the user's key and its policy are there.
        self.assertEqual(two.client("iam").get_role(RoleName="my-task-role")["Role"]["Arn"], role["Arn"])
        self.assertIn("my-task-role", [r["RoleName"] for r in two.client("iam", **ci).list_roles()["Roles"]])
        decision = two.client("iam").simulate_principal_policy(
            PolicySourceArn=user["Arn"], ActionNames=["iam:PassRole"], ResourceArns=[role["Arn"]],
            ContextEntries=passed_to("ecs-tasks.amazonaws.com"))["EvaluationResults"][0]["EvalDecision"]
        self.assertEqual(decision, "allowed")

        # AssumeRole on one, call with the session on the other.
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}]}
        reader = one.client("iam").create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(trust))
        one.client("iam").attach_role_policy(RoleName="reader",
                                             PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        settle()
        creds = one.client("sts", **ci).assume_role(RoleArn=reader["Role"]["Arn"],
                                                    RoleSessionName="story")["Credentials"]
        session = {"key": creds["AccessKeyId"], "secret": creds["SecretAccessKey"],
                   "token": creds["SessionToken"]}
        who = two.client("sts", **session).get_caller_identity()
        self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/reader/story")
        self.assertEqual(two.client("iam", **session).get_role(RoleName="my-task-role")["Role"]["Arn"],
                         role["Arn"])

        # Detach on the other, and the first refuses the session within the bound.
        two.client("iam").detach_role_policy(RoleName="reader",
                                             PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        # The server that wrote sees its own write at once.
        self.assertEqual(self.code(two.client("iam", **session).get_role, RoleName="my-task-role"),
                         "AccessDenied")
        settle()
        self.assertEqual(self.code(one.client("iam", **session).get_role, RoleName="my-task-role"),
                         "AccessDenied")

    def test_a_third_server_and_a_restarted_one_see_every_write(self):
        three = self.start()
        one = self.one
        one.client("iam").create_role(RoleName="third", AssumeRolePolicyDocument=TASKS_TRUST_TEXT)
        settle()
        self.assertEqual(three.client("iam").get_role(RoleName="third")["Role"]["RoleName"], "third")
        # Cache the role's (empty) tags on the third, then kill it.
        self.assertEqual(three.client("iam").list_role_tags(RoleName="third")["Tags"], [])
        three.process.kill()
        three.process.wait(timeout=10)
        one.client("iam").tag_role(RoleName="third", Tags=[{"Key": "team", "Value": "blue"}])
        # Started again on the same database: it sees what changed while it was down ...
        again = self.start()
        self.assertEqual(again.client("iam").list_role_tags(RoleName="third")["Tags"],
                         [{"Key": "team", "Value": "blue"}])
        # ... and the others see its writes.
        again.client("iam").untag_role(RoleName="third", TagKeys=["team"])
        settle()
        for server in (self.one, self.two):
            self.assertEqual(server.client("iam").list_role_tags(RoleName="third")["Tags"], [])

    def test_a_cut_notification_connection_still_sees_the_change(self):
        one, two = self.one, self.two
        user, ci = self.make_ci_user(one, "cut-user")
        settle()
        # The user may list roles through the second server (AmazonECS_FullAccess) ...
        self.assertIsInstance(two.client("iam", **ci).list_roles()["Roles"], list)
        # Cut the second server's listener: the one connection LISTENing on the schema's channel
        # from the second server's process (its application name names the channel).
        channel = f"warden_generation.{self.schema}"
        pids = psql("SELECT pid FROM pg_stat_activity WHERE application_name = "
                    f"'warden listen {channel}' AND datname = current_database()")
        live = len([s for s in self.servers if s.process.poll() is None])
        self.assertGreaterEqual(len(pids), live)
        for pid in pids:
            self.assertEqual(psql(f"SELECT pg_terminate_backend({pid})"), ["t"])
        one.client("iam").detach_user_policy(UserName="cut-user",
                                             PolicyArn="arn:aws:iam::aws:policy/AmazonECS_FullAccess")
        settle()
        # ... and no longer once the policy is detached through the first.
        self.assertEqual(self.code(two.client("iam", **ci).list_roles), "AccessDenied")
        # The listeners come back on their own.
        deadline = time.time() + 30
        while time.time() < deadline:
            back = psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                        f"'warden listen {channel}'")
            if int(back[0]) >= live:
                break
            time.sleep(0.05)
        self.assertGreaterEqual(int(back[0]), live)


if __name__ == "__main__":
    unittest.main()
