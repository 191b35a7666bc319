"""The README's quick start, played in order on a fresh machine's state, so it cannot drift.

Every ```sh block of the "Quick start" section runs as written, with two substitutions only:
`cargo run --release -p warden-cli --` is the `warden` binary under test (WARDEN_BIN), and the
server the README starts listens on a free port (`--port 0`), whose URL replaces the README's
`http://127.0.0.1:7575` in the awscli commands. The `export` line is taken from the server's
banner, as a reader pastes it. HOME and XDG_DATA_HOME point into an empty directory, so the
default store is new, as on a fresh machine; the commands run there, beside a copy of
examples/.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
WARDEN = os.environ.get("WARDEN_BIN", os.path.join(ROOT, "target", "debug", "warden"))
README = os.path.join(ROOT, "README.md")
CARGO_RUN = "cargo run --release -p warden-cli --"
README_URL = "http://127.0.0.1:7575"


def quick_start_commands():
    """The commands of the quick start's sh blocks, continuation lines joined, in order."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        commands.extend(line.strip() for line in joined.splitlines() if line.strip())
    return commands


def aws_binary():
    beside = os.path.join(os.path.dirname(sys.executable), "aws")
    return beside if os.path.exists(beside) else shutil.which("aws")


class ReadmeQuickStart(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="warden-readme-")
        shutil.copytree(os.path.join(ROOT, "examples"), os.path.join(self.dir, "examples"))
        home = os.path.join(self.dir, "home")
        os.mkdir(home)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("AWS_") and not k.startswith("WARDEN_")}
        self.env.update(HOME=home, XDG_DATA_HOME=os.path.join(home, "data"),
                        AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
            self.server.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def serve(self, args):
        """Starts the README's server on a free port; returns the banner's exports and URL."""
        log = open(os.path.join(self.dir, "server.log"), "w")
        self.server = subprocess.Popen([WARDEN, *args, "--port", "0"], cwd=self.dir, env=self.env,
                                       stdout=subprocess.PIPE, stderr=log, text=True)
        log.close()
        banner = []
        for line in self.server.stdout:
            banner.append(line)
            if "iam list-roles" in line:
                break
        banner = "".join(banner)
        url = re.search(r"endpoint: (http://\S+)", banner)
        self.assertIsNotNone(url, banner)
        exports = dict(re.findall(r"export (AWS_[A-Z_]+)=(\S+)", banner))
        return exports, url.group(1), banner

    def test_the_quick_start_runs_as_written(self):
        commands = quick_start_commands()
        self.assertTrue(any(c.startswith(CARGO_RUN + " serve") for c in commands), commands)
        aws = aws_binary()
        url = None
        ran = []
        for command in commands:
            if command.startswith(CARGO_RUN):
                args = shlex.split(command[len(CARGO_RUN):])
                if args[0] == "serve":
                    exports, url, banner = self.serve(args)
                    self.env.update(exports)
                    continue
                out = subprocess.run([WARDEN, *args], cwd=self.dir, env=self.env,
                                     capture_output=True, text=True, timeout=120)
                self.assertEqual(out.returncode, 0, f"{command}\n{out.stdout}{out.stderr}")
                # The README's questions are the ones meant: no guard-rail warning (the
                # deprecation warning is the point of its example).
                for line in out.stderr.splitlines():
                    self.assertIn("deprecated", line, f"{command}: {line}")
                ran.append((args, out.stdout))
            elif command.startswith("export "):
                # The reader pastes the banner's line: it must name every variable the README's.
                for name in re.findall(r"(AWS_[A-Z_]+)=", command):
                    self.assertIn(name, self.env, f"the banner does not export {name}: {banner}")
            elif command.startswith("aws "):
                self.assertIsNotNone(url, f"{command} before the server started")
                self.assertIn(README_URL, command)
                self.assertIsNotNone(aws, "awscli is not installed (.venv/e2e)")
                args = shlex.split(command.replace(README_URL, url))[1:]
                out = subprocess.run([aws, *args], cwd=self.dir, env=self.env,
                                     capture_output=True, text=True, timeout=120)
                self.assertEqual(out.returncode, 0, f"{command}\n{out.stdout}{out.stderr}")
            else:
                self.fail(f"the test does not know how to play `{command}`")
        # What the README says the commands show.
        outputs = {" ".join(args): stdout for args, stdout in ran}
        passrole = next(o for a, o in outputs.items() if "ecs-passrole.json" in a)
        self.assertIn('"EvalDecision": "allowed"', passrole)
        deprecated = next(o for a, o in outputs.items()
                          if "AmazonEC2ContainerServiceFullAccess" in a and "simulate" in a)
        self.assertIn("allowed: iam:PassRole", deprecated)
        new_access = next(o for a, o in outputs.items() if "check-no-new-access" in a)
        self.assertIn("FAIL", new_access)
        self.assertIn("witness: iam:PassRole", new_access)
        principal = next(o for a, o in outputs.items() if "--principal" in a)
        self.assertIn("allowed: iam:PassRole", principal)
        # The example account has a store of its own, beside the default one.
        self.assertTrue(os.path.exists(os.path.join(self.dir, "example-account.db")))


if __name__ == "__main__":
    unittest.main()
