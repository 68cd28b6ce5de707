"""The files in deploy/ that docs/deployment.md installs stay in step with the settings."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"


def _names(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))


def test_the_production_settings_file_names_only_real_settings() -> None:
    documented = _names(Path(settings.BASE_DIR) / ".env.example")
    production = _names(DEPLOY / "potluck.env.example")
    assert len(production) > 20
    assert production - documented == set()


def test_the_proxies_set_the_headers_the_settings_file_names() -> None:
    env = (DEPLOY / "potluck.env.example").read_text(encoding="utf-8")
    assert "POTLUCK_PROXY_SSL_HEADER=X-Forwarded-Proto" in env
    assert "POTLUCK_CLIENT_IP_HEADER=X-Forwarded-For" in env
    nginx = (DEPLOY / "nginx-potluck.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    units = []
    for unit in sorted(DEPLOY.glob("potluck-*.*")):
        # The real path exists only on a server; point at this checkout's command instead.
        text = unit.read_text(encoding="utf-8")
        text = text.replace("/opt/potluck/.venv/bin/potluck", shutil.which("true") or "/bin/true")
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
        units.append(str(tmp_path / unit.name))
    assert len(units) == 4
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.skipif(not shutil.which("caddy"), reason="needs caddy")
def test_the_caddyfile_is_valid() -> None:
    result = subprocess.run(
        ["caddy", "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("nginx"), reason="needs nginx")
def test_the_nginx_site_is_valid(tmp_path: Path) -> None:
    self_signed = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subprocess.run(
        [*self_signed, "-subj", "/CN=aid.example.org", "-keyout", "key.pem", "-out", "cert.pem"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        timeout=60,
    )
    site = (DEPLOY / "nginx-potluck.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/letsencrypt/live/aid.example.org/fullchain.pem", "cert.pem")
    site = site.replace("/etc/letsencrypt/live/aid.example.org/privkey.pem", "key.pem")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
