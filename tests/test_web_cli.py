"""`bme serve` and `bme init-db`: the README's run command, for real."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from webapp.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_a_real_server_on_the_default_database(tmp_path):
    port = free_port()
    env = {**os.environ, "BME_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("BME_SECRET_KEY", None)
    server = subprocess.Popen(
        [sys.executable, "-c", f"from webapp.cli import main; main(['serve', '--port', '{port}'])"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    html = r.read().decode()
                    headers = r.headers
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert "Start now" in html
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert (tmp_path / "instance" / "bme.sqlite").exists()
        assert (tmp_path / "instance" / "secret_key").exists()
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out
    assert "generated a secret key" in out


def test_serve_refuses_production_without_a_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BME_PRODUCTION", "1")
    monkeypatch.setenv("BME_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("BME_SECRET_KEY", raising=False)
    assert main(["serve", "--port", "1"]) == 2
    assert "BME_SECRET_KEY" in capsys.readouterr().err


def test_init_db(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BME_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BME_SECRET_KEY", "k")
    assert main(["init-db"]) == 0
    assert "ready" in capsys.readouterr().out
    assert (tmp_path / "instance" / "bme.sqlite").exists()


def test_rules_commands_still_there(capsys):
    assert main(["questions"]) == 0
    assert "pain_sites" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["serve", "--help"], ["init-db", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 0
