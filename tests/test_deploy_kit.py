"""The deploy kit (issue 20 item 5): the systemd units pass `systemd-analyze verify`, the nginx
site passes `nginx -t`, the compose file parses under the Compose specification, and the
deploy README tells the administrator to run those same checks."""

from __future__ import annotations

import datetime
import json
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
README = (DEPLOY / "README.md").read_text()
UNITS = ["mentor-app-web.service", "mentor-app-worker@.service", "mentor-app-backup.service"]


def need(binary: str) -> str:
    path = shutil.which(binary) or next(
        (p for p in (f"/usr/sbin/{binary}", f"/usr/bin/{binary}") if Path(p).exists()), None
    )
    if path is None:
        pytest.skip(f"{binary} is not installed (Debian package; .ci/run installs it)")
    return path


def test_the_systemd_units_verify(tmp_path) -> None:  # type: ignore[no-untyped-def]
    analyze = need("systemd-analyze")
    venv = Path(sys.executable).parent.parent
    # The units name /srv/mentor_app (deploy/README.md); here the checkout and its venv stand in,
    # so `verify` also finds the programs they start.
    for name in [*UNITS, "mentor-app-backup.timer"]:
        text = (DEPLOY / "systemd" / name).read_text()
        text = text.replace("/srv/mentor_app/.venv", str(venv)).replace(
            "/srv/mentor_app", str(ROOT)
        )
        (tmp_path / name).write_text(text)
    # As in deploy/README.md: the instance @1 is verified from the template beside it.
    names = [
        "mentor-app-web.service",
        "mentor-app-worker@1.service",
        "mentor-app-backup.service",
        "mentor-app-backup.timer",
    ]
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Unknown keys and bad values are only warnings to `verify`: any output is a failure.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "mentor-app" in line or "Unknown" in line or "Failed" in line
    ]
    assert result.returncode == 0 and problems == [], result.stdout + result.stderr
    assert "systemd-analyze verify /etc/systemd/system/mentor-app-web.service" in README


def test_the_units_restart_always_and_are_hardened() -> None:
    for name in ["mentor-app-web.service", "mentor-app-worker@.service"]:
        text = (DEPLOY / "systemd" / name).read_text()
        for line in (
            "Restart=always",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "PrivateTmp=yes",
            "Environment=PROMETHEUS_MULTIPROC_DIR=/run/mentor_app/metrics",
            "EnvironmentFile=/etc/mentor_app/env",
        ):
            assert line in text, (name, line)


def _self_signed(directory: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mentor.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_the_nginx_site_passes_nginx_t(tmp_path) -> None:  # type: ignore[no-untyped-def]
    nginx = need("nginx")
    _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "mentor_app.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/mentor.example.org", str(tmp_path))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    temp = " ".join(
        f"{kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    # What Debian's /etc/nginx/nginx.conf does around sites-enabled, with paths of the test's own.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ {mime} {temp} include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "[warn]" not in result.stderr, result.stderr
    assert "\nnginx -t\n" in README


def test_the_nginx_site_matches_proxy_hops_1_and_logs_no_query() -> None:
    site = (DEPLOY / "nginx" / "mentor_app.conf").read_text()
    assert "proxy_set_header Host $host;" in site
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "Strict-Transport-Security" in site
    assert "client_max_body_size 256k;" in site
    assert "location = /sw.js" in site
    log_lines = [line for line in site.splitlines() if "log_format" in line or "'$" in line]
    assert log_lines and not [
        line for line in log_lines if "$request_uri" in line or "$args" in line
    ]
    assert "PROXY_HOPS=1" in (DEPLOY / "env.example").read_text()


def test_the_compose_file_follows_the_compose_specification() -> None:
    from compose_spec import PyCompose

    data = yaml.safe_load(
        (DEPLOY / "compose.yaml").read_text()
    )  # anchors resolved, as compose does
    compose = PyCompose.from_json(json.dumps(data))
    compose.validate()
    assert {"db", "redis", "web", "worker"} <= set(compose.service_names())
    services = data["services"]
    # The database password only ever as a secret file.
    assert services["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    for name in ("db", "web", "worker"):
        assert "db_password" in services[name]["secrets"]
        assert not any("PASSWORD=" in str(v) for v in services[name].get("environment", {}))
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["web"]["environment"]["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
    # The schema is really checked: a misspelt key is refused.
    data["services"]["web"]["restrat"] = "always"
    with pytest.raises(ValueError):
        PyCompose.from_json(json.dumps(data))


def test_gunicorn_conf_sync_preloaded_and_no_query_in_its_access_log() -> None:
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["worker_class"] == "sync" and conf["preload_app"] is True
    assert conf["timeout"] > 0 and conf["max_requests"] == 0
    assert "%(U)s" in conf["access_log_format"]
    assert "%(r)s" not in conf["access_log_format"] and "%(q)s" not in conf["access_log_format"]
    handler = conf["logconfig_dict"]["handlers"]["stderr"]
    assert handler["filters"] == ["no_query"] and handler["formatter"] == "json"
    assert callable(conf["child_exit"])


def test_the_database_password_file_goes_into_the_url(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import config

    (tmp_path / "pw").write_text("s3cret/with@odd:chars\n")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://mentor_app@db:5432/mentor_app")
    monkeypatch.setenv("DATABASE_PASSWORD_FILE", str(tmp_path / "pw"))
    from sqlalchemy.engine import make_url

    url = make_url(config._database_url())
    assert url.password == "s3cret/with@odd:chars"
    assert (url.host, url.database, url.username) == ("db", "mentor_app", "mentor_app")


def test_gunicorn_starts_with_the_conf_and_logs_json_and_sums_metrics(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real thing, briefly: gunicorn with deploy/gunicorn.conf.py (two processes sharing
    the multiprocess folder) answers, logs one JSON line per request, and /metrics adds up
    both processes' counters."""
    import http.client
    import os
    import socket
    import time

    from mentor_app.db import Database
    from mentor_app.models import metadata

    url = f"sqlite:///{tmp_path}/deploy.db"
    db = Database(url)
    metadata.create_all(db.engine)
    db.engine.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "metrics").mkdir()
    env = {
        **os.environ,
        "MENTOR_APP_ENV": "development",
        "MENTOR_APP_INSTANCE": str(tmp_path),
        "DATABASE_URL": url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "METRICS_TOKEN": "deploy-test-token",
        "LOG_FORMAT": "json",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    errors = open(tmp_path / "stderr.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(gunicorn), "-c", str(DEPLOY / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )

    def get(path: str, headers: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = get("/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        assert status == 200
        for _ in range(9):
            assert get("/healthz?q=PLANTED-query")[0] == 200
        status, body = get("/metrics", {"Authorization": "Bearer deploy-test-token"})
        assert status == 200
        assert 'mentor_http_request_duration_seconds_count{endpoint="health.healthz",' in body
        counted = [
            line
            for line in body.splitlines()
            if line.startswith("mentor_http_request_duration_seconds_count")
            and 'endpoint="health.healthz"' in line
        ]
        assert sum(float(line.rsplit(" ", 1)[1]) for line in counted) == 10
    finally:
        process.terminate()
        process.wait(timeout=30)
        errors.close()
    lines = (tmp_path / "stderr.log").read_text().splitlines()
    requests = [json.loads(line) for line in lines if '"message": "request"' in line]
    assert len(requests) == 11 and {r["route"] for r in requests} >= {"/healthz", "/metrics"}
    assert "PLANTED" not in "\n".join(lines)
    assert all(line.startswith("{") for line in lines if line.strip()), lines[:5]
