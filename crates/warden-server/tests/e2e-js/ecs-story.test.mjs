// The seed's story, played by the AWS SDK for JavaScript v3 against a running `warden serve`.
//
// Each test starts its own server on a free port with a fresh embedded store (SQLite in a
// temporary directory) and the administrator key below, so the tests need nothing but the
// `warden` binary (WARDEN_BIN, default target/debug/warden) and the pinned clients
// (package-lock.json, installed by ./scripts/test with `npm ci`). Run with
// `node --test crates/warden-server/tests/e2e-js/`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolesCommand,
  ListUsersCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
  paginateListRoles,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const WARDEN = process.env.WARDEN_BIN || path.join(ROOT, "target", "debug", "warden");
const ADMIN = {
  accessKeyId: "AKIAWARDENE2EADMIN00",
  secretAccessKey: "e2eSecretKeyForTheAdministrator000000000",
};
const REGION = "eu-west-1"; // endpoint clients sign with their own region
const ACCOUNT = "123456789012";

// The clients are configured in full below; nothing of the machine's AWS setup may leak in.
process.env.AWS_CONFIG_FILE = "/dev/null";
process.env.AWS_SHARED_CREDENTIALS_FILE = "/dev/null";
// The pinned SDK warns on Node 20 that releases after January 2027 will need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const EC2_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});
// The seed's AmazonEC2ContainerServiceTaskRole trust relationship, verbatim.
const TASKS_TRUST_TEXT =
  '{ "Version": "2012-10-17", "Statement": [ { "Sid": "", "Effect": "Allow", ' +
  '"Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Action": "sts:AssumeRole" } ] }';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function connects(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(200);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

class Server {
  static async start() {
    const server = new Server();
    await server.#start();
    return server;
  }

  async #start() {
    this.dir = mkdtempSync(path.join(tmpdir(), "warden-e2e-js-"));
    this.db = path.join(this.dir, "account.db");
    this.logPath = path.join(this.dir, "server.log");
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    const log = openSync(this.logPath, "w");
    this.process = spawn(
      WARDEN,
      [
        "serve",
        "--port", String(this.port),
        "--database", this.db,
        "--admin-access-key-id", ADMIN.accessKeyId,
        "--admin-secret-access-key", ADMIN.secretAccessKey,
      ],
      { stdio: ["ignore", log, log] },
    );
    closeSync(log);
    this.exited = new Promise((resolve) => this.process.once("exit", resolve));
    let spawnError = null;
    this.process.once("error", (error) => (spawnError = error));
    try {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (spawnError) throw spawnError;
        if (this.#exited()) {
          throw new Error(`warden serve exited:\n${readFileSync(this.logPath, "utf8")}`);
        }
        if (await connects(this.port)) return;
        await sleep(50);
      }
      throw new Error(`warden serve did not start:\n${readFileSync(this.logPath, "utf8")}`);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  #exited() {
    // A binary that could not be spawned has no pid and never exits.
    return this.process.pid === undefined || this.process.exitCode !== null || this.process.signalCode !== null;
  }

  config(credentials = ADMIN) {
    // One attempt: a local server that fails once is a failure worth seeing.
    return { endpoint: this.url, region: REGION, credentials, maxAttempts: 1 };
  }

  iam(credentials) {
    return new IAMClient(this.config(credentials));
  }

  sts(credentials) {
    return new STSClient(this.config(credentials));
  }

  async stop() {
    if (!this.#exited()) {
      this.process.kill("SIGTERM");
      const killer = setTimeout(() => this.process.kill("SIGKILL"), 10_000);
      await this.exited;
      clearTimeout(killer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a server for one test and stops it when the test ends, however it ends. */
async function serverFor(t) {
  const server = await Server.start();
  t.after(() => server.stop());
  return server;
}

/** Runs `call`, expects it to throw, and returns what it threw. */
async function failure(call) {
  try {
    await call();
  } catch (error) {
    return error;
  }
  assert.fail("the call succeeded");
}

const passedTo = (service) => [
  { ContextKeyName: "iam:PassedToService", ContextKeyValues: [service], ContextKeyType: "string" },
];

test("the ECS story: instance role and profile, task role, CI user and PassRole", async (t) => {
  const server = await serverFor(t);
  const iam = server.iam();

  // The container instance role, its policy and its instance profile.
  await iam.send(
    new CreateRoleCommand({ RoleName: "ecsInstanceRole", AssumeRolePolicyDocument: EC2_TRUST }),
  );
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: "ecsInstanceRole",
      PolicyArn: "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    }),
  );
  const created = await iam.send(
    new CreateInstanceProfileCommand({ InstanceProfileName: "ecsInstanceRole" }),
  );
  assert.equal(created.InstanceProfile.Arn, `arn:aws:iam::${ACCOUNT}:instance-profile/ecsInstanceRole`);
  assert.deepEqual(created.InstanceProfile.Roles, []);
  await iam.send(
    new AddRoleToInstanceProfileCommand({
      InstanceProfileName: "ecsInstanceRole",
      RoleName: "ecsInstanceRole",
    }),
  );
  const { InstanceProfile: profile } = await iam.send(
    new GetInstanceProfileCommand({ InstanceProfileName: "ecsInstanceRole" }),
  );
  assert.deepEqual(profile.Roles.map((r) => r.RoleName), ["ecsInstanceRole"]);
  assert.equal(profile.Roles[0].Arn, `arn:aws:iam::${ACCOUNT}:role/ecsInstanceRole`);
  assert.ok(profile.CreateDate instanceof Date);
  const { AttachedPolicies: attached } = await iam.send(
    new ListAttachedRolePoliciesCommand({ RoleName: "ecsInstanceRole" }),
  );
  assert.deepEqual(attached, [
    {
      PolicyName: "AmazonEC2ContainerServiceforEC2Role",
      PolicyArn: "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    },
  ]);

  // A task role with the ecs-tasks trust, which comes back as it went in (URL-encoded, as
  // IAM sends policy documents; the JS SDK, unlike boto3, leaves the decoding to the caller).
  await iam.send(
    new CreateRoleCommand({ RoleName: "my-task-role", AssumeRolePolicyDocument: TASKS_TRUST_TEXT }),
  );
  const { Role: taskRole } = await iam.send(new GetRoleCommand({ RoleName: "my-task-role" }));
  assert.equal(taskRole.Arn, `arn:aws:iam::${ACCOUNT}:role/my-task-role`);
  assert.match(taskRole.RoleId, /^AROA[A-Z0-9]{17}$/);
  assert.ok(taskRole.CreateDate instanceof Date);
  const trust = decodeURIComponent(taskRole.AssumeRolePolicyDocument);
  assert.deepEqual(JSON.parse(trust), JSON.parse(TASKS_TRUST_TEXT));
  assert.equal(trust, TASKS_TRUST_TEXT);

  // A CI user holding AmazonECS_FullAccess.
  const { User: ci } = await iam.send(new CreateUserCommand({ UserName: "ci-deployer", Path: "/ci/" }));
  assert.equal(ci.Arn, `arn:aws:iam::${ACCOUNT}:user/ci/ci-deployer`);
  assert.equal(ci.Path, "/ci/");
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: "ci-deployer",
      PolicyArn: "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
    }),
  );

  // AmazonECS_FullAccess lets it pass the task role to ECS tasks, and not to EC2.
  const simulatePass = async (service) => {
    const result = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: ci.Arn,
        ActionNames: ["iam:PassRole"],
        ResourceArns: [taskRole.Arn],
        ContextEntries: passedTo(service),
      }),
    );
    assert.equal(result.IsTruncated, false);
    assert.equal(result.EvaluationResults.length, 1);
    const [evaluation] = result.EvaluationResults;
    assert.equal(evaluation.EvalActionName, "iam:PassRole");
    assert.equal(evaluation.EvalResourceName, taskRole.Arn);
    return evaluation;
  };
  const toTasks = await simulatePass("ecs-tasks.amazonaws.com");
  assert.equal(toTasks.EvalDecision, "allowed");
  assert.deepEqual(
    toTasks.MatchedStatements.map((s) => [s.SourcePolicyId, s.SourcePolicyType]),
    [["AmazonECS_FullAccess", "aws-managed"]],
  );
  const toEc2 = await simulatePass("ec2.amazonaws.com");
  assert.equal(toEc2.EvalDecision, "implicitDeny");
  assert.deepEqual(toEc2.MatchedStatements, []);
});

test("the deprecated AmazonEC2ContainerServiceFullAccess cannot be attached anew", async (t) => {
  const server = await serverFor(t);
  const iam = server.iam();
  await iam.send(new CreateRoleCommand({ RoleName: "new-role", AssumeRolePolicyDocument: EC2_TRUST }));
  const error = await failure(() =>
    iam.send(
      new AttachRolePolicyCommand({
        RoleName: "new-role",
        PolicyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess",
      }),
    ),
  );
  // IAM's code NoSuchEntity is the SDK's modelled NoSuchEntityException.
  assert.ok(error instanceof NoSuchEntityException, `${error.name}: ${error.message}`);
  assert.equal(error.name, "NoSuchEntityException");
  assert.equal(error.Code, "NoSuchEntity");
  assert.equal(
    error.message,
    "Policy arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess does not exist or is not attachable.",
  );
  assert.equal(error.$metadata.httpStatusCode, 404);
  assert.equal(error.$fault, "client");
  const { AttachedPolicies } = await iam.send(
    new ListAttachedRolePoliciesCommand({ RoleName: "new-role" }),
  );
  assert.deepEqual(AttachedPolicies, []);
});

test("ListRoles pages with MaxItems and Marker, by hand and with paginateListRoles", async (t) => {
  const server = await serverFor(t);
  const iam = server.iam();
  const names = ["role-1", "role-2", "role-3", "role-4", "role-5"];
  for (const RoleName of names) {
    await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: EC2_TRUST }));
  }

  const seen = [];
  const pages = [];
  let Marker;
  for (;;) {
    const page = await iam.send(new ListRolesCommand({ MaxItems: 2, Marker }));
    pages.push([page.Roles.length, page.IsTruncated]);
    seen.push(...page.Roles.map((r) => r.RoleName));
    if (!page.IsTruncated) {
      assert.equal(page.Marker, undefined);
      break;
    }
    assert.equal(typeof page.Marker, "string");
    assert.notEqual(page.Marker, Marker);
    Marker = page.Marker;
  }
  assert.deepEqual(pages, [[2, true], [2, true], [1, false]]);
  assert.deepEqual([...seen].sort(), names);

  const paginated = [];
  let count = 0;
  for await (const page of paginateListRoles({ client: iam, pageSize: 2 }, {})) {
    count += 1;
    assert.ok(page.Roles.length <= 2);
    paginated.push(...page.Roles.map((r) => r.RoleName));
  }
  assert.equal(count, 3);
  assert.deepEqual(paginated, seen);
});

test("a CI user's key is authorized by its policies: ListRoles yes, CreateRole AccessDenied", async (t) => {
  const server = await serverFor(t);
  const iam = server.iam();
  await iam.send(new CreateRoleCommand({ RoleName: "my-task-role", AssumeRolePolicyDocument: TASKS_TRUST_TEXT }));
  await iam.send(new CreateUserCommand({ UserName: "ci-deployer", Path: "/ci/" }));
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: "ci-deployer",
      PolicyArn: "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
    }),
  );
  const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: "ci-deployer" }));
  assert.equal(key.UserName, "ci-deployer");
  assert.equal(key.Status, "Active");
  assert.match(key.AccessKeyId, /^AKIA[A-Z0-9]{16}$/);
  assert.equal(key.SecretAccessKey.length, 40);

  const ciIam = server.iam({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey });
  // AmazonECS_FullAccess grants iam:ListRoles ...
  const { Roles } = await ciIam.send(new ListRolesCommand({}));
  assert.deepEqual(Roles.map((r) => r.RoleName), ["my-task-role"]);
  // ... and not iam:CreateRole, which IAM refuses with its own words.
  const error = await failure(() =>
    ciIam.send(new CreateRoleCommand({ RoleName: "sneaky", AssumeRolePolicyDocument: EC2_TRUST })),
  );
  assert.equal(error.name, "AccessDenied");
  assert.match(error.message, /is not authorized to perform: iam:CreateRole/);
  assert.equal(
    error.message,
    `User: arn:aws:iam::${ACCOUNT}:user/ci/ci-deployer is not authorized to perform: ` +
      `iam:CreateRole on resource: arn:aws:iam::${ACCOUNT}:role/sneaky because no ` +
      "identity-based policy allows the iam:CreateRole action",
  );
  assert.equal(error.$metadata.httpStatusCode, 403);
  // Nothing was stored.
  const missing = await failure(() => iam.send(new GetRoleCommand({ RoleName: "sneaky" })));
  assert.equal(missing.name, "NoSuchEntityException");
});

describe("STS: AssumeRole with session tags, then act as the session", () => {
  const roleName = "list-roles-only";
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/${roleName}`;
  let server;
  let assumed;
  let session;
  let requestedAt;

  before(async () => {
    server = await Server.start();
    const iam = server.iam();
    const trust = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: ["sts:AssumeRole", "sts:TagSession"],
        },
      ],
    };
    await iam.send(
      new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: "list-roles",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "iam:ListRoles", Resource: "*" }],
        }),
      }),
    );
    requestedAt = Date.now();
    assumed = await server.sts().send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: "js-e2e",
        Tags: [{ Key: "team", Value: "blue" }],
      }),
    );
    session = {
      accessKeyId: assumed.Credentials.AccessKeyId,
      secretAccessKey: assumed.Credentials.SecretAccessKey,
      sessionToken: assumed.Credentials.SessionToken,
    };
  });

  after(() => server?.stop());

  test("AssumeRole returns temporary credentials that expire in the future", () => {
    const { Credentials, AssumedRoleUser } = assumed;
    assert.match(Credentials.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.equal(typeof Credentials.SecretAccessKey, "string");
    assert.equal(typeof Credentials.SessionToken, "string");
    assert.ok(Credentials.Expiration instanceof Date, `${Credentials.Expiration}`);
    assert.ok(Credentials.Expiration.getTime() > Date.now());
    // The default duration is one hour (the response has one-second precision).
    const duration = Credentials.Expiration.getTime() - requestedAt;
    assert.ok(duration > 3_590_000 && duration <= 3_600_000 + 2_000, `${duration} ms`);
    assert.equal(AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/js-e2e`);
    assert.match(AssumedRoleUser.AssumedRoleId, /^AROA[A-Z0-9]{17}:js-e2e$/);
  });

  test("GetCallerIdentity with the session names the assumed role", async () => {
    const who = await server.sts(session).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/js-e2e`);
    assert.equal(who.Account, ACCOUNT);
    assert.equal(who.UserId, assumed.AssumedRoleUser.AssumedRoleId);
  });

  test("the session may ListRoles and not ListUsers", async () => {
    const iam = server.iam(session);
    const { Roles } = await iam.send(new ListRolesCommand({}));
    assert.deepEqual(Roles.map((r) => r.RoleName), [roleName]);
    const error = await failure(() => iam.send(new ListUsersCommand({})));
    assert.equal(error.name, "AccessDenied");
    assert.equal(error.$metadata.httpStatusCode, 403);
    assert.ok(
      error.message.startsWith(
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/js-e2e is not authorized to perform: iam:ListUsers on resource: `,
      ),
      error.message,
    );
  });

  // IAM names the listed path's ARN (`troubleshoot_access-denied.html`), not `*`.
  test(
    "the ListUsers denial names the resource AWS names",
    async () => {
      const error = await failure(() => server.iam(session).send(new ListUsersCommand({})));
      assert.equal(
        error.message,
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/js-e2e is not authorized to perform: ` +
          `iam:ListUsers on resource: arn:aws:iam::${ACCOUNT}:user/ because no identity-based ` +
          "policy allows the iam:ListUsers action",
      );
    },
  );
});

test("errors: NoSuchEntity, SignatureDoesNotMatch, MalformedPolicyDocument", async (t) => {
  const server = await serverFor(t);
  const iam = server.iam();

  const missing = await failure(() => iam.send(new GetRoleCommand({ RoleName: "nobody" })));
  assert.ok(missing instanceof NoSuchEntityException, `${missing.name}: ${missing.message}`);
  assert.equal(missing.name, "NoSuchEntityException");
  assert.equal(missing.Code, "NoSuchEntity");
  assert.equal(missing.message, "The role with name nobody cannot be found.");
  assert.equal(missing.$metadata.httpStatusCode, 404);
  assert.match(missing.$metadata.requestId, /^[0-9a-f-]{36}$/);

  const wrong = server.iam({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: "x".repeat(40) });
  const unsigned = await failure(() => wrong.send(new ListRolesCommand({})));
  assert.equal(unsigned.name, "SignatureDoesNotMatch");
  assert.equal(unsigned.$metadata.httpStatusCode, 403);
  assert.equal(
    unsigned.message,
    "The request signature we calculated does not match the signature you provided. Check your " +
      "AWS Secret Access Key and signing method. Consult the service documentation for details.",
  );

  const unknownKey = server.iam({ accessKeyId: "AKIANOSUCHKEY0000000", secretAccessKey: "x".repeat(40) });
  const unknown = await failure(() => unknownKey.send(new ListRolesCommand({})));
  assert.equal(unknown.name, "InvalidClientTokenId");
  assert.equal(unknown.$metadata.httpStatusCode, 403);

  for (const [document, message] of [
    ['{"Version": ', "Syntax errors in policy."],
    [
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Resource: "*" }] }),
      "Policy statement must contain actions.",
    ],
  ]) {
    const malformed = await failure(() =>
      iam.send(new CreatePolicyCommand({ PolicyName: "broken", PolicyDocument: document })),
    );
    assert.ok(malformed instanceof MalformedPolicyDocumentException, `${malformed.name}: ${malformed.message}`);
    assert.equal(malformed.name, "MalformedPolicyDocumentException");
    assert.equal(malformed.Code, "MalformedPolicyDocument");
    assert.equal(malformed.message, message);
    assert.equal(malformed.$metadata.httpStatusCode, 400);
  }
});
