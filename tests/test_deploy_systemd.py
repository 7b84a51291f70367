"""deploy/systemd: the units that keep the workers of deploy/nginx running and purge
every night. Checked against the app itself (its command line, its settings) and, where
it is installed, by systemd's own checker."""

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from rules import cli as rules_cli
from webapp import create_app
from webapp.cli import web_commands

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
SITE = ROOT / "deploy" / "nginx" / "site.conf"


def unit(name: str) -> configparser.ConfigParser:
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str  # systemd's keys are case-sensitive
    parsed.read_string((UNITS / name).read_text())
    return parsed


def command(name: str, **substitutions) -> list[str]:
    """A unit's ExecStart as the arguments given to ``bme``."""
    line = unit(name)["Service"]["ExecStart"]
    for key, value in substitutions.items():
        line = line.replace(key, value)
    program, *args = shlex.split(line)
    assert Path(program).name == "bme", line
    return args


def upstreams() -> list[tuple[str, int]]:
    """The workers deploy/nginx sends requests to, as (address, port)."""
    block = re.search(r"upstream bme \{(.*?)\}", SITE.read_text(), re.S).group(1)
    return [(a, int(p)) for a, p in re.findall(r"server ([\d.]+):(\d+);", block)]


def test_every_worker_behind_the_proxy_is_an_instance_that_serves_its_port():
    parser = rules_cli.parser(web_commands)
    assert upstreams(), "no workers in site.conf"
    for address, port in upstreams():
        args = parser.parse_args(command("bme@.service", **{"%i": str(port)}))
        assert args.func.__name__ == "cmd_serve"
        assert args.port == port
        assert args.trusted_proxy == address, "the workers trust the proxy's headers"


def test_the_instances_to_enable_are_the_proxys_workers():
    """The install line in bme@.service names one instance per worker of site.conf."""
    enabled = re.findall(r"bme@(\d+)", (UNITS / "bme@.service").read_text())
    assert sorted({int(p) for p in enabled}) == sorted(p for _, p in upstreams())


def test_a_worker_that_stops_for_any_reason_is_started_again():
    service = unit("bme@.service")["Service"]
    assert service["Restart"] == "always"
    assert float(service["RestartSec"]) <= 5


def test_workers_may_write_only_their_instance_folder():
    for name in ("bme@.service", "bme-purge.service"):
        service = unit(name)["Service"]
        assert service["ProtectSystem"] == "strict", name
        assert service["ReadWritePaths"].split() == [
            service["Environment"].split("BME_INSTANCE_PATH=")[1].split()[0]
        ], name
        assert service["UMask"] == "0077", name
        assert service["User"] != "root", name


def test_the_nightly_timer_purges():
    parser = rules_cli.parser(web_commands)
    timer = unit("bme-purge.timer")
    assert (UNITS / timer["Timer"]["Unit"]).exists()
    assert timer["Timer"]["Persistent"] == "true", "a night missed runs at boot"
    args = parser.parse_args(command(timer["Timer"]["Unit"]))
    assert args.func.__name__ == "cmd_purge"


def test_the_example_settings_are_settings_the_app_reads(tmp_path):
    """A misspelt name in /etc/bme/env would be ignored without a word."""
    known = set(create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "x"}).config)
    lines = (UNITS / "env.example").read_text().splitlines()
    names = [
        re.match(r"#?\s*BME_(\w+)=", line).group(1)
        for line in lines
        if re.match(r"#?\s*BME_\w+=", line)
    ]
    assert "SECRET_KEY" in names and "DATABASE_URL" in names
    assert set(names) <= known, set(names) - known
    # An example key must never be taken for a real one: it is left empty, so that a
    # production worker refuses to start until it is set.
    assert "BME_SECRET_KEY=\n" in (UNITS / "env.example").read_text()


def test_systemd_accepts_the_units(tmp_path):
    """systemd-analyze verify: every key known, every section right, the program there."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    app = tmp_path / "srv"
    (app / ".venv" / "bin").mkdir(parents=True)
    (app / ".venv" / "bin" / "bme").write_text("#!/bin/sh\n")
    (app / ".venv" / "bin" / "bme").chmod(0o755)
    (tmp_path / "env").write_text("")
    for path in UNITS.glob("bme*"):
        text = (
            path.read_text()
            .replace("/srv/bme", str(app))
            .replace("/etc/bme/env", str(tmp_path / "env"))
        )
        (tmp_path / path.name).write_text(text)
    names = ["bme@8001.service", "bme-purge.service", "bme-purge.timer"]
    done = subprocess.run(
        [analyze, "verify", *names], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
