"""Endpoint authorization and hygiene as AWS has them, pinned against ten defects of `warden serve`.

Each class starts its own server (test_ecs_story's `Server`) on 127.0.0.1; every one is stopped
and its directory removed. One line per defect: what it pins, and the AWS page that says so (under
docs.aws.amazon.com: IAM/latest/UserGuide, IAM/latest/APIReference, STS/latest/APIReference,
service-authorization/latest/reference, elasticloadbalancing/latest/application).
1. A Deny on the user's path or aws:ResourceTag holds for CreateAccessKey (also GetRole/TagRole on a role at /ops/): list_awsidentityandaccessmanagementiam.html, reference_policies_evaluation-logic.html.
2. CreateAccessKey/GetUser/ListAccessKeys without UserName act on and are authorized on the signing user: API_CreateAccessKey.html.
3. The body is signed: UNSIGNED-PAYLOAD refused, a declared hash must be the body's, a presigned URL carries no body: reference_sigv-create-signed-request.html.
4. AddRoleToInstanceProfile needs iam:PassRole on the role: API_AddRoleToInstanceProfile.html.
5. GetSessionToken credentials without MFA cannot call IAM (InvalidClientTokenId), STS still answers: API_GetSessionToken.html.
6. A session token sent with a long-term AKIA key is refused (InvalidClientTokenId): id_credentials_temp_use-resources.html.
7. A role session is bound to the role's unique id, not its name (deleted or re-created role: InvalidClientTokenId): reference_identifiers.html#identifiers-unique-ids.
8. Silent, stalled and idle connections are closed and idle sockets do not starve the endpoint (--header-timeout, --idle-timeout, --body-timeout, --max-connections): no API page; cf. application-load-balancers.html#connection-idle-timeout.
9. A malformed chunked body is 400 (not 413), a body over 1 MiB stays 413: RFC 9112 section 7.1, CommonErrors.html.
10. An AWS service-role policy is attachable only to its service-linked role (PolicyNotAttachable): API_AttachRolePolicy.html, API_AttachUserPolicy.html, API_AttachGroupPolicy.html.
"""

import contextlib
import datetime
import errno
import hashlib
import hmac
import http.client
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import botocore.config
import botocore.exceptions

from test_ecs_story import ADMIN_KEY, ADMIN_SECRET, EC2_TRUST, REGION, WARDEN, Server, free_port

GET_USER = "Action=GetUser&Version=2010-05-08"
SMUGGLED = "Action=CreateAccessKey&UserName=admin&Version=2010-05-08"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
INVALID_TOKEN = "The security token included in the request is invalid."
ECS_SERVICE_ROLE_POLICY = "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
# No retries and short timeouts: every call is bounded, and each status is the server's first.
BOUNDED = botocore.config.Config(connect_timeout=5, read_timeout=15,
                                 retries={"total_max_attempts": 1})


def client(server, service, **creds):
    return server.session(**creds).client(service, endpoint_url=server.url, config=BOUNDED)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return dict({"Effect": "Allow", "Action": action, "Resource": resource}, **extra)


def deny(action, resource="*", **extra):
    return dict({"Effect": "Deny", "Action": action, "Resource": resource}, **extra)


def creds_of(key):
    """The credentials of a CreateAccessKey answer's AccessKey or an STS answer's Credentials."""
    return {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"],
            **({"token": key["SessionToken"]} if "SessionToken" in key else {})}


# ---- A SigV4 signer whose payload hash the test chooses ----

def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _encode(text):
    """AWS's URI encoding: every byte but A-Z a-z 0-9 - _ . ~ is %XX (upper-case hex)."""
    return urllib.parse.quote(text, safe="-_.~")


def sigv4(method, host, query, headers, payload_hash, key=ADMIN_KEY, secret=ADMIN_SECRET,
          token=None, service="iam", region=REGION, presign_expires=None):
    """Signs a request to path `/` by AWS Signature Version 4 (reference_sigv-create-signed-request.html).

    `query` is a list of (name, value) pairs, `headers` a dict; `payload_hash` goes into the
    canonical request as given (a hex SHA-256, or UNSIGNED-PAYLOAD). With `presign_expires` the
    signature goes into the query string (X-Amz-*, host the only signed header); otherwise into
    an Authorization header, every given header signed. Returns (request target, headers)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/{region}/{service}/aws4_request"
    headers = dict(headers, Host=host)
    query = list(query)
    if presign_expires is None:
        headers["X-Amz-Date"] = amz_date
        if token is not None:
            headers["X-Amz-Security-Token"] = token
        signed = {name.lower(): value for name, value in headers.items()}
    else:
        signed = {"host": host}
        query += [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", f"{key}/{scope}"),
                  ("X-Amz-Date", amz_date), ("X-Amz-Expires", str(presign_expires)),
                  ("X-Amz-SignedHeaders", "host")]
        if token is not None:
            query.append(("X-Amz-Security-Token", token))
    # 1. The canonical request.
    canonical_query = "&".join(f"{n}={v}" for n, v in
                               sorted((_encode(n), _encode(v)) for n, v in query))
    names = sorted(signed)
    canonical_headers = "".join(f"{n}:{' '.join(signed[n].split())}\n" for n in names)
    signed_headers = ";".join(names)
    canonical = "\n".join([method, "/", canonical_query, canonical_headers, signed_headers,
                           payload_hash])
    # 2. The string to sign.
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    # 3. The signing key, 4. the signature.
    signing_key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), day), region), service),
                        "aws4_request")
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    if presign_expires is None:
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
                                    f"SignedHeaders={signed_headers}, Signature={signature}")
        return "/" + (f"?{canonical_query}" if canonical_query else ""), headers
    return f"/?{canonical_query}&X-Amz-Signature={signature}", headers


def send(server, method, target, headers, body=None):
    """Sends one request with http.client; (status, error code or None, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        code = re.search(r"<Code>(.*?)</Code>", text)
        return response.status, code.group(1) if code else None, text
    finally:
        connection.close()


def form(text):
    """A form body's (name, value) pairs, as a presigner moves them into the query string."""
    return urllib.parse.parse_qsl(text, keep_blank_values=True)


class Checks(unittest.TestCase):
    """What every class here asserts with."""

    server = None

    @classmethod
    def start(cls, server=None):
        cls.server = server or Server()
        cls.addClassCleanup(cls.server.stop)
        cls.iam = client(cls.server, "iam")
        cls.account = client(cls.server, "sts").get_caller_identity()["Account"]

    @classmethod
    def user_with_key(cls, name, statements=(), path="/", tags=()):
        cls.iam.create_user(UserName=name, Path=path, Tags=list(tags))
        if statements:
            cls.iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(*statements))
        return creds_of(cls.iam.create_access_key(UserName=name)["AccessKey"])

    def arn(self, kind, path_and_name):
        return f"arn:aws:iam::{self.account}:{kind}/{path_and_name}"

    def refused(self, call, **kwargs):
        """Calls; it must fail. Returns (HTTP status, code, message)."""
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(**kwargs)
        response = caught.exception.response
        return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
                response["Error"].get("Message", ""))

    def assertRefused(self, status, code, call, **kwargs):
        got = self.refused(call, **kwargs)
        self.assertEqual((got[0], got[1]), (status, code), got[2])
        return got[2]

    def keys_of(self, user):
        return {k["AccessKeyId"]
                for k in self.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}

    @contextlib.contextmanager
    def no_new_key(self, user):
        """The block adds no access key to `user`. One it did add is deleted, whatever the block
        asserted, so that later tests start clean (a user holds at most two keys)."""
        before = self.keys_of(user)
        try:
            yield
        finally:
            leaked = self.keys_of(user) - before
            for key in leaked:
                self.iam.delete_access_key(UserName=user, AccessKeyId=key)
        self.assertEqual(leaked, set(), f"an access key was created for {user}")

    def succeeds(self, call, **kwargs):
        """Calls; a refusal is this test's failure (not an error), with the server's words."""
        try:
            return call(**kwargs)
        except botocore.exceptions.ClientError as e:
            self.fail(f"refused: {e}")


# ---- 1 and 2: the resource of an operation on an existing entity ----

class ExistingEntities(Checks):
    """The resource IAM authorizes is the entity as it is: its ARN with its path, its tags;
    and the caller itself when the user name is left out."""

    @classmethod
    def setUpClass(cls):
        cls.start()
        account = cls.account
        privileged = {"Condition": {"StringEquals": {"aws:ResourceTag/privileged": "true"}}}
        cls.dev = cls.user_with_key("dev", [
            allow("iam:CreateAccessKey"),
            deny("iam:CreateAccessKey", f"arn:aws:iam::{account}:user/admins/*"),
            deny("iam:CreateAccessKey", **privileged),
            allow(["iam:GetRole", "iam:TagRole"]),
            deny("iam:GetRole", f"arn:aws:iam::{account}:role/ops/*"),
            deny("iam:TagRole", **privileged)])
        cls.iam.create_user(UserName="boss", Path="/admins/")
        cls.iam.create_user(UserName="tagged", Tags=[{"Key": "privileged", "Value": "true"}])
        cls.iam.create_user(UserName="plain")
        for name, path, tags in (("operator", "/ops/", []), ("open", "/", []),
                                 ("crown", "/", [{"Key": "privileged", "Value": "true"}])):
            cls.iam.create_role(RoleName=name, Path=path, Tags=tags,
                                AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
        cls.selfie = cls.user_with_key("selfie", [allow(
            ["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:GetUser"],
            f"arn:aws:iam::{account}:user/${{aws:username}}")])

    def test_1_a_deny_on_the_users_path_or_tag_holds_for_create_access_key(self):
        dev = client(self.server, "iam", **self.dev)
        for victim in ("boss", "tagged"):
            with self.subTest(victim=victim), self.no_new_key(victim):
                message = self.assertRefused(403, "AccessDenied", dev.create_access_key,
                                             UserName=victim)
                self.assertIn("iam:CreateAccessKey", message)
        before = self.keys_of("plain")
        key = dev.create_access_key(UserName="plain")["AccessKey"]
        self.assertEqual(key["UserName"], "plain")
        self.assertEqual(self.keys_of("plain") - before, {key["AccessKeyId"]})

    def test_1_a_deny_on_the_roles_path_or_tag_holds_for_get_role_and_tag_role(self):
        dev = client(self.server, "iam", **self.dev)
        self.assertRefused(403, "AccessDenied", dev.get_role, RoleName="operator")
        self.assertEqual(dev.get_role(RoleName="open")["Role"]["Arn"], self.arn("role", "open"))
        self.assertRefused(403, "AccessDenied", dev.tag_role, RoleName="crown",
                           Tags=[{"Key": "x", "Value": "y"}])
        self.assertNotIn("x", [t["Key"] for t in self.iam.list_role_tags(RoleName="crown")["Tags"]])
        dev.tag_role(RoleName="open", Tags=[{"Key": "x", "Value": "y"}])
        self.assertIn("x", [t["Key"] for t in self.iam.list_role_tags(RoleName="open")["Tags"]])

    def test_2_create_access_key_without_a_user_name_is_the_callers(self):
        selfie = client(self.server, "iam", **self.selfie)
        before = self.keys_of("selfie")
        key = self.succeeds(selfie.create_access_key)["AccessKey"]
        self.assertEqual(key["UserName"], "selfie")
        self.assertEqual(self.keys_of("selfie") - before, {key["AccessKeyId"]})
        self.iam.delete_access_key(UserName="selfie", AccessKeyId=key["AccessKeyId"])
        with self.no_new_key("plain"):
            self.assertRefused(403, "AccessDenied", selfie.create_access_key, UserName="plain")

    def test_2_get_user_and_list_access_keys_without_a_user_name_are_the_callers(self):
        selfie = client(self.server, "iam", **self.selfie)
        self.assertEqual(self.succeeds(selfie.get_user)["User"]["Arn"], self.arn("user", "selfie"))
        listed = self.succeeds(selfie.list_access_keys)["AccessKeyMetadata"]
        self.assertEqual({k["AccessKeyId"] for k in listed}, self.keys_of("selfie"))
        self.assertEqual({k["UserName"] for k in listed}, {"selfie"})


# ---- 3: the body is part of what is signed ----

class SignedBodies(Checks):
    """Raw requests signed by the test's own SigV4 signer, with the administrator's key."""

    @classmethod
    def setUpClass(cls):
        cls.start()

    @property
    def host(self):
        return f"127.0.0.1:{self.server.port}"

    def header_signed(self, sent_body, payload_hash, declared=None):
        """POSTs `sent_body` with an Authorization header signed over `payload_hash`; `declared`
        is the x-amz-content-sha256 header (none when None)."""
        headers = {"Content-Type": FORM}
        if declared is not None:
            headers["X-Amz-Content-Sha256"] = declared
        target, headers = sigv4("POST", self.host, [], headers, payload_hash)
        return send(self.server, "POST", target, headers, sent_body.encode())

    def presigned(self, method, payload_hash):
        """A presigned URL for GetUser, valid 900 s."""
        return sigv4(method, self.host, form(GET_USER), {}, payload_hash, presign_expires=900)

    def test_the_signer_itself_is_right(self):
        # The control for every refusal below: a correctly signed body is accepted.
        digest = hashlib.sha256(GET_USER.encode()).hexdigest()
        for declared in (None, digest):
            with self.subTest(declared=declared):
                status, code, text = self.header_signed(GET_USER, digest, declared)
                self.assertEqual(status, 200, text)
                self.assertIn("<UserName>admin</UserName>", text)

    def test_3a_unsigned_payload_is_refused_whatever_the_body(self):
        for body in (GET_USER, SMUGGLED):
            with self.subTest(body=body), self.no_new_key("admin"):
                status, code, text = self.header_signed(body, UNSIGNED_PAYLOAD,
                                                        declared=UNSIGNED_PAYLOAD)
                self.assertEqual(status, 403, text)
                self.assertIn(code, ("SignatureDoesNotMatch", "IncompleteSignature"), text)

    def test_3b_a_declared_hash_that_is_not_the_bodys_is_refused(self):
        digest = hashlib.sha256(GET_USER.encode()).hexdigest()
        with self.no_new_key("admin"):
            status, code, text = self.header_signed(SMUGGLED, digest, declared=digest)
            self.assertEqual((status, code), (403, "SignatureDoesNotMatch"), text)

    def test_3c_a_presigned_get_is_accepted(self):
        # UNSIGNED-PAYLOAD: S3-style presigners (botocore's S3SigV4QueryAuth); the empty body's
        # hash: botocore's SigV4QueryAuth over http.
        for payload_hash in (UNSIGNED_PAYLOAD, EMPTY_SHA256):
            with self.subTest(payload_hash=payload_hash):
                target, headers = self.presigned("GET", payload_hash)
                status, code, text = send(self.server, "GET", target, headers)
                self.assertEqual(status, 200, text)
                self.assertIn("<UserName>admin</UserName>", text)

    def test_3d_a_presigned_url_posted_with_a_body_is_refused(self):
        # The URL presigned for POST is the attack (the method is signed, the body is not);
        # the one presigned for GET is also refused, already for its method.
        for method in ("POST", "GET"):
            for payload_hash in (UNSIGNED_PAYLOAD, EMPTY_SHA256):
                with self.subTest(signed_for=method, payload_hash=payload_hash), \
                        self.no_new_key("admin"):
                    target, headers = self.presigned(method, payload_hash)
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                    status, code, text = send(self.server, "POST", target, headers,
                                              SMUGGLED.encode())
                    self.assertIn(status, (400, 403), text)
                    self.assertIn(code, ("InvalidParameterCombination", "SignatureDoesNotMatch"),
                                  text)


# ---- 4: AddRoleToInstanceProfile passes the role ----

class PassRoleToInstanceProfile(Checks):
    @classmethod
    def setUpClass(cls):
        cls.start()
        cls.role = cls.iam.create_role(RoleName="web",
                                       AssumeRolePolicyDocument=json.dumps(EC2_TRUST))["Role"]
        cls.profiler = cls.user_with_key("profiler", [
            allow(["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"])])

    def roles_in(self, profile):
        found = self.iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
        return [r["RoleName"] for r in found["Roles"]]

    def test_4_add_role_to_instance_profile_needs_pass_role(self):
        profiler = client(self.server, "iam", **self.profiler)
        profiler.create_instance_profile(InstanceProfileName="web-profile")
        message = self.assertRefused(403, "AccessDenied", profiler.add_role_to_instance_profile,
                                     InstanceProfileName="web-profile", RoleName="web")
        self.assertIn("iam:PassRole", message)
        self.assertEqual(self.roles_in("web-profile"), [])
        self.iam.put_user_policy(UserName="profiler", PolicyName="pass", PolicyDocument=policy(
            allow("iam:PassRole", self.role["Arn"])))
        self.succeeds(profiler.add_role_to_instance_profile, InstanceProfileName="web-profile",
                      RoleName="web")
        self.assertEqual(self.roles_in("web-profile"), ["web"])


# ---- 5 and 6: which temporary credentials IAM accepts ----

class SessionTokens(Checks):
    @classmethod
    def setUpClass(cls):
        cls.start()
        cls.iam.create_user(UserName="temper")
        cls.iam.attach_user_policy(UserName="temper", PolicyArn=ADMINISTRATOR_ACCESS)
        cls.temper = creds_of(cls.iam.create_access_key(UserName="temper")["AccessKey"])

    def assertInvalidToken(self, call, **kwargs):
        message = self.assertRefused(403, "InvalidClientTokenId", call, **kwargs)
        self.assertEqual(message, INVALID_TOKEN)

    def test_5_get_session_token_credentials_without_mfa_cannot_call_iam(self):
        token = creds_of(client(self.server, "sts", **self.temper)
                         .get_session_token(DurationSeconds=900)["Credentials"])
        who = client(self.server, "sts", **token).get_caller_identity()
        self.assertEqual(who["Arn"], self.arn("user", "temper"))
        iam = client(self.server, "iam", **token)
        self.assertInvalidToken(iam.list_roles)
        self.assertInvalidToken(iam.get_user)
        # The long-term key itself is as powerful as ever.
        client(self.server, "iam", **self.temper).list_roles()

    def test_6_a_session_token_with_a_long_term_key_is_refused(self):
        real = client(self.server, "sts", **self.temper).get_session_token(
            DurationSeconds=900)["Credentials"]["SessionToken"]
        for token in ("any-string-at-all", real):
            with self.subTest(token=token[:16]):
                creds = {"key": ADMIN_KEY, "secret": ADMIN_SECRET, "token": token}
                self.assertInvalidToken(client(self.server, "sts", **creds).get_caller_identity)
                self.assertInvalidToken(client(self.server, "iam", **creds).list_roles)
        # Without a token the same key works.
        client(self.server, "iam").list_roles()


# ---- 7: a role session is bound to the role's unique id ----

class SessionsOfDeletedRoles(Checks):
    @classmethod
    def setUpClass(cls):
        cls.start()
        cls.trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{cls.account}:root"},
                            "Action": "sts:AssumeRole"})

    def assume(self, name):
        answer = client(self.server, "sts").assume_role(RoleArn=self.arn("role", name),
                                                        RoleSessionName="session")
        return creds_of(answer["Credentials"])

    def test_7a_a_session_of_a_deleted_role_is_invalid(self):
        self.iam.create_role(RoleName="temp", AssumeRolePolicyDocument=self.trust)
        self.iam.put_role_policy(RoleName="temp", PolicyName="p",
                                 PolicyDocument=policy(allow("iam:ListRoles")))
        session = client(self.server, "iam", **self.assume("temp"))
        self.succeeds(session.list_roles)  # the session works while its role lives
        self.iam.delete_role_policy(RoleName="temp", PolicyName="p")
        self.iam.delete_role(RoleName="temp")
        message = self.assertRefused(403, "InvalidClientTokenId", session.list_roles)
        self.assertEqual(message, INVALID_TOKEN)

    def test_7b_a_session_does_not_pass_to_a_new_role_of_the_same_name(self):
        self.iam.create_role(RoleName="phoenix", AssumeRolePolicyDocument=self.trust)
        creds = self.assume("phoenix")
        session = client(self.server, "iam", **creds)
        self.assertRefused(403, "AccessDenied", session.list_roles)  # no permissions at all
        self.iam.delete_role(RoleName="phoenix")
        self.iam.create_role(RoleName="phoenix", AssumeRolePolicyDocument=self.trust)
        self.iam.attach_role_policy(RoleName="phoenix", PolicyArn=ADMINISTRATOR_ACCESS)
        message = self.assertRefused(403, "InvalidClientTokenId", session.list_roles)
        self.assertEqual(message, INVALID_TOKEN)
        self.assertRefused(403, "InvalidClientTokenId",
                           client(self.server, "sts", **creds).get_caller_identity)
        # A session of the new role has the new role's power.
        self.succeeds(client(self.server, "iam", **self.assume("phoenix")).list_roles)


# ---- 8: connection timeouts and limits ----

class ServerWithFlags(Server):
    """test_ecs_story's Server, started with extra `warden serve` flags; a server that does not
    start leaves nothing behind."""

    def __init__(self, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="warden-e2e-")
        self.db = os.path.join(self.dir, "account.db")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.process = subprocess.Popen(
            [WARDEN, "serve", "--port", str(self.port), "--database", self.db,
             "--admin-access-key-id", ADMIN_KEY, "--admin-secret-access-key", ADMIN_SECRET,
             *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        with open(os.path.join(self.dir, "server.log")) as f:
            log = f.read()
        self.stop()
        raise RuntimeError(f"warden serve {' '.join(extra_args)} did not start: {log}")


class ConnectionLimits(Checks):
    FLAGS = ["--header-timeout", "1", "--idle-timeout", "1", "--body-timeout", "1",
             "--max-connections", "16"]

    @classmethod
    def setUpClass(cls):
        cls.start(ServerWithFlags(cls.FLAGS))

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.server.port), timeout=5)

    def assertClosedWithin(self, sock, seconds):
        """The server closes `sock` within `seconds` (it may answer first, e.g. with a 408)."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"the server kept the connection open for {seconds} s")
            sock.settimeout(left)
            try:
                if sock.recv(4096) == b"":
                    return
            except socket.timeout:
                self.fail(f"the server kept the connection open for {seconds} s")
            except OSError as e:
                if e.errno == errno.ECONNRESET:
                    return
                raise

    def test_8_a_silent_connection_is_closed(self):
        with self.connect() as sock:
            self.assertClosedWithin(sock, 5)

    def test_8_a_half_request_line_is_closed(self):
        with self.connect() as sock:
            sock.sendall(b"POST / HT")
            self.assertClosedWithin(sock, 5)

    def test_8_a_stalled_body_is_closed(self):
        with self.connect() as sock:
            sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{self.server.port}\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\n"
                         "Content-Length: 100\r\n\r\nAction=Get".encode())
            self.assertClosedWithin(sock, 5)

    def test_8_an_idle_keep_alive_connection_is_closed(self):
        with self.connect() as sock:
            sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{self.server.port}\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\n"
                         f"Content-Length: {len(GET_USER)}\r\n\r\n{GET_USER}".encode())
            received = b""
            deadline = time.monotonic() + 5
            while b"</ErrorResponse>" not in received and time.monotonic() < deadline:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
            self.assertIn(b"MissingAuthenticationToken", received)  # an unsigned request
            self.assertClosedWithin(sock, 5)

    def test_8_idle_sockets_do_not_starve_the_endpoint(self):
        idle = []
        try:
            for _ in range(40):
                idle.append(socket.create_connection(("127.0.0.1", self.server.port), timeout=5))
            started = time.monotonic()
            quick = botocore.config.Config(connect_timeout=5, read_timeout=8,
                                           retries={"total_max_attempts": 1})
            sts = self.server.session().client("sts", endpoint_url=self.server.url, config=quick)
            self.assertEqual(sts.get_caller_identity()["Account"], self.account)
            self.assertLess(time.monotonic() - started, 10)
        finally:
            for sock in idle:
                sock.close()


# ---- 9: chunked bodies ----

class ChunkedBodies(Checks):
    @classmethod
    def setUpClass(cls):
        cls.start()

    def raw(self, head, body):
        """Sends `head` (request line and headers, without the blank line) and `body` on a fresh
        connection; the response's HTTP status."""
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as sock:
            received = b""
            sock.sendall(head.encode() + b"\r\n")
            # A server may answer from the headers alone (a Content-Length over the limit) and
            # close: read that answer before the body could turn the close into a reset.
            sock.settimeout(0.5)
            try:
                received = sock.recv(4096)
            except socket.timeout:
                try:
                    sock.sendall(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server may answer before reading it all
            sock.settimeout(10)
            deadline = time.monotonic() + 10
            while b"\r\n" not in received and time.monotonic() < deadline:
                try:
                    chunk = sock.recv(4096)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                received += chunk
        status = re.match(rb"HTTP/1\.[01] (\d{3}) ", received)
        self.assertIsNotNone(status, f"no HTTP status line in {received[:200]!r}")
        return int(status.group(1))

    def head(self, headers):
        lines = ["POST / HTTP/1.1", f"Host: 127.0.0.1:{self.server.port}", "Connection: close",
                 "Content-Type: application/x-www-form-urlencoded"]
        return "\r\n".join(lines + [f"{k}: {v}" for k, v in headers.items()]) + "\r\n"

    def test_9_a_malformed_chunked_body_is_a_400(self):
        malformed = b"zz\r\nnot hex\r\n0\r\n\r\n"
        unsigned = self.head({"Transfer-Encoding": "chunked"})
        self.assertEqual(self.raw(unsigned, malformed), 400)
        _, headers = sigv4("POST", f"127.0.0.1:{self.server.port}", [],
                           {"Content-Type": "application/x-www-form-urlencoded"}, EMPTY_SHA256)
        headers.pop("Host")
        headers.pop("Content-Type")
        signed = self.head(dict(headers, **{"Transfer-Encoding": "chunked"}))
        self.assertEqual(self.raw(signed, malformed), 400)

    def test_9_a_body_over_a_mebibyte_is_still_a_413(self):
        body = b"Action=ListRoles&Version=2010-05-08&Pad=" + b"x" * (1024 * 1024 + 1024)
        self.assertEqual(self.raw(self.head({"Content-Length": len(body)}), body), 413)
        chunks = b"".join(b"%x\r\n%s\r\n" % (65536, b"x" * 65536) for _ in range(17)) + b"0\r\n\r\n"
        self.assertEqual(self.raw(self.head({"Transfer-Encoding": "chunked"}), chunks), 413)


# ---- 10: AWS service-role policies ----

class ServiceRolePolicies(Checks):
    @classmethod
    def setUpClass(cls):
        cls.start()
        cls.iam.create_role(RoleName="ordinary", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
        cls.iam.create_user(UserName="someone")
        cls.iam.create_group(GroupName="somegroup")

    def test_10_a_service_role_policy_is_not_attachable_to_a_customer_role(self):
        message = self.assertRefused(400, "PolicyNotAttachable", self.iam.attach_role_policy,
                                     RoleName="ordinary", PolicyArn=ECS_SERVICE_ROLE_POLICY)
        self.assertEqual(message, "Cannot attach a Service Role Policy to a Customer Role.")
        self.assertEqual(self.iam.list_attached_role_policies(RoleName="ordinary")["AttachedPolicies"], [])

    def test_10_nor_to_a_user_or_a_group(self):
        self.assertRefused(400, "PolicyNotAttachable", self.iam.attach_user_policy,
                           UserName="someone", PolicyArn=ECS_SERVICE_ROLE_POLICY)
        self.assertEqual(self.iam.list_attached_user_policies(UserName="someone")["AttachedPolicies"], [])
        self.assertRefused(400, "PolicyNotAttachable", self.iam.attach_group_policy,
                           GroupName="somegroup", PolicyArn=ECS_SERVICE_ROLE_POLICY)
        self.assertEqual(self.iam.list_attached_group_policies(GroupName="somegroup")["AttachedPolicies"], [])

    def test_10_the_service_linked_role_still_holds_it(self):
        role = self.iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]
        attached = self.iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
        self.assertIn(ECS_SERVICE_ROLE_POLICY, [p["PolicyArn"] for p in attached])


if __name__ == "__main__":
    unittest.main()
