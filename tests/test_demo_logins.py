"""`make run` prints the demo sign-ins at every start (issue 17, item 18): `flask demo-logins`
prints those present in the database, `seed-demo --quiet` leaves them to it, and production
refuses. The Makefile's run recipe ends quietly on Ctrl-C (checked on a stand-in recipe)."""

from __future__ import annotations

import os
import pty
import re
import signal
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_demo_logins_every_time(app, db) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    empty = runner.invoke(args=["demo-logins"])
    assert empty.exit_code == 0 and "No demo users" in empty.output
    seeded = runner.invoke(args=["seed-demo", "--quiet"])
    assert seeded.exit_code == 0 and "coordinator@example.org" not in seeded.output
    for _ in range(2):  # every start, not only the first
        shown = runner.invoke(args=["demo-logins"])
        assert shown.exit_code == 0
        assert "coordinator@example.org" in shown.output and "TOTP secret" in shown.output


def test_demo_logins_refused_in_production(app) -> None:  # type: ignore[no-untyped-def]
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo-logins"])
    finally:
        app.config["ENV_NAME"] = "testing"
    assert result.exit_code != 0 and "development only" in result.output


def _run_recipe() -> str:
    """The run target's last command, with stand-ins for the worker and the server."""
    text = (ROOT / "Makefile").read_text()
    recipe = text.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    lines = recipe.split("\n")
    start = next(i for i, line in enumerate(lines) if "@trap" in line)
    command = "\n".join(lines[start:])
    command = re.sub(r"\$\(BIN\)/flask --app mentor_app worker", "sleep 60", command)
    return re.sub(r"\$\(BIN\)/flask --app mentor_app run [^&]*", "sleep 60 ", command)


def _wait_for_stand_ins(group: int) -> bool:
    """Until both stand-ins run in `group` (the trap is set by then), at most 10 s. Never
    signal before: until the child's setsid, its group is pytest's own."""
    for _ in range(200):
        found = 0
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    same_group = os.getpgid(int(entry.name)) == group
                    name = (entry / "comm").read_text().strip()
                except (OSError, ProcessLookupError):
                    continue
                found += same_group and name == "sleep"
        if found >= 2:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/usr/bin/make").exists(), reason="needs GNU make")
def test_ctrl_c_ends_make_run_without_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "Makefile").write_text("run:\n" + _run_recipe() + "\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: make, as from a terminal
        os.execvp("make", ["make", "-s", "-C", str(tmp_path), "run"])  # noqa: S606
    group = pid  # pty.fork: the child leads a new session, so its own process group
    assert _wait_for_stand_ins(group), "the stand-ins never started"
    os.killpg(group, signal.SIGINT)  # what the terminal does on Ctrl-C
    output = b""
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.waitpid(pid, 0)
    assert b"***" not in output, output.decode(errors="replace")  # make's error marker
