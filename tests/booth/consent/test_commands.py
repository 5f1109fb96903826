"""`booth consent ...` as staff and auditors use it: show, export, verify, withdraw, purge; bad input is one line."""

from __future__ import annotations

import http.client
import json
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.booth.consent.helpers import make_booth
from tests.booth.delivery.broker import free_port, make_certificates
from tests.conftest import run_booth


def setup(tmp_path: Path) -> tuple[Path, str, str]:
    booth = make_booth(tmp_path)
    clip_id = booth.clip("a")
    _, code = booth.consent(clip_id, "social", "send_me", email="ana@example.com")
    jobs = booth.outbox.add_consented(clip_id)
    booth.outbox.mark_delivered(jobs[0].job_id)
    booth.store.close()
    cfg = tmp_path / "booth.toml"
    cfg.write_text('[booth]\ndata_dir = "data"\n')
    return cfg, clip_id, code


def test_show_and_export_a_clips_consent(tmp_path: Path) -> None:
    cfg, clip_id, _ = setup(tmp_path)
    shown = run_booth("consent", "show", clip_id, "--config", str(cfg))
    assert shown.returncode == 0, shown.stderr
    assert "(in force)" in shown.stdout and "granted: send_me, social" in shown.stdout
    assert "refused: advertising, booth_screen" in shown.stdout and "e-mail given" in shown.stdout
    assert "ana@example.com" not in shown.stdout, "no personal data on the staff's screen"
    out = tmp_path / "export.json"
    exported = run_booth("consent", "export", clip_id, "--out", str(out), "--config", str(cfg))
    assert exported.returncode == 0, exported.stderr
    data = json.loads(out.read_text())
    (record,) = data["records"]
    assert record["purposes"] == {"send_me": True, "booth_screen": False, "social": True, "advertising": False}
    assert record["text"]["sha256"] == record["text_sha256"] and record["text"]["controller"].startswith("ORBITA")
    assert [e["event"] for e in data["audit"]] == ["clip registered", "granted", "delivered"]
    assert data["audit_intact"] is True


def test_verify_names_the_first_broken_entry(tmp_path: Path) -> None:
    cfg, _, _ = setup(tmp_path)
    ok = run_booth("consent", "verify", "--config", str(cfg))
    assert ok.returncode == 0 and ok.stdout.startswith("booth.db: audit log intact, 3 entries, head 3:")
    booth = make_booth(tmp_path)
    booth.store.db.execute("UPDATE audit SET detail = replace(detail, 'social', 'nothing') WHERE seq = 2")
    booth.store.close()
    broken = run_booth("consent", "verify", "--config", str(cfg))
    assert broken.returncode == 1
    assert broken.stderr.splitlines()[-1] == (
        "booth.db: the audit log was tampered with; first break: audit entry 2 (granted): its content was changed"
        " after it was written"
    )


def test_withdraw_by_code_then_purge(tmp_path: Path) -> None:
    cfg, clip_id, code = setup(tmp_path)
    done = run_booth("consent", "withdraw", code.lower(), "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"withdrawn: {clip_id} deleted from the booth; 1 upload(s) cancelled; erasure requested from: brand"
    )
    assert not (tmp_path / "data" / "clips" / clip_id).exists()
    again = run_booth("consent", "show", clip_id, "--config", str(cfg))
    assert "(WITHDRAWN)" in again.stdout and "deleted" in again.stdout
    purged = run_booth("consent", "purge", "--config", str(cfg))
    assert purged.returncode == 0 and purged.stdout.strip() == "nothing to delete yet"


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    cfg, _, _ = setup(tmp_path)
    for args, expected in [
        (
            ["withdraw", "AAAA-BBBB-CCCC"],
            "no consent has the withdrawal code 'AAAA-BBBB-CCCC'; check it letter by letter",
        ),
        (["show", "clip-nope"], "clip-nope: no such clip on this booth"),
        (["export", "clip-nope"], "clip-nope: no such clip on this booth"),
    ]:
        done = run_booth("consent", *args, "--config", str(cfg))
        assert done.returncode == 2, args
        assert len(done.stderr.splitlines()) == 1 and expected in done.stderr, done.stderr


def test_output_piped_into_head_and_an_unwritable_out_folder(tmp_path: Path) -> None:
    cfg, clip_id, _ = setup(tmp_path)
    piped = subprocess.run(
        f"{sys.executable} -m booth.cli consent show {clip_id} --config {cfg} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert piped.stdout.startswith(clip_id) and piped.stderr == "", "a reader that stops early is not an error"
    blocked = Path("/sys/booth-export.json")  # a folder nobody may write into, root included
    done = run_booth("consent", "export", clip_id, "--out", str(blocked), "--config", str(cfg))
    assert done.returncode == 1 and f"{blocked}: Permission denied" in done.stderr, done.stderr
    assert ".tmp" not in done.stderr, "the message names the file asked for, not a temporary one"


def test_the_data_folder_and_booth_db_are_the_booths_user_only(tmp_path: Path) -> None:
    setup(tmp_path)
    data = tmp_path / "data"
    assert data.stat().st_mode & 0o077 == 0 and (data / "booth.db").stat().st_mode & 0o077 == 0


def opened(url: str, server: subprocess.Popen[Any], context: ssl.SSLContext | None = None) -> Any:
    """The page at `url` once the server started for it answers; fails if the server stops first."""
    until = time.monotonic() + 60
    while True:
        try:
            return urllib.request.urlopen(url, timeout=30, context=context)
        except OSError:
            assert time.monotonic() < until and server.poll() is None, f"{url} did not come up"
            time.sleep(0.2)


def test_serve_answers_phones_until_stopped(tmp_path: Path) -> None:
    cfg, clip_id, _ = setup(tmp_path)
    booth = make_booth(tmp_path)
    token = booth.store.token_for(clip_id)
    booth.store.close()
    port = free_port()
    cfg.write_text(cfg.read_text() + f'[web]\nhost = "127.0.0.1"\nport = {port}\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "booth.cli", "serve", "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = opened(f"http://127.0.0.1:{port}/c/{token}", proc)
        assert page.status == 200 and b"Brand social posts" in page.read()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/c/not-a-token-at-all-xxxxx", timeout=30)
        assert err.value.code == 404
    finally:
        proc.send_signal(signal.SIGINT)
        out, errors = proc.communicate(timeout=60)
    assert proc.returncode in (0, 130)
    assert f"participants' page on 127.0.0.1:{port}" in out
    assert "GET /c/… 200" in errors and token not in errors, "the log shows no token"


def test_serve_over_https_with_the_events_certificate(tmp_path: Path) -> None:
    cfg, clip_id, _ = setup(tmp_path)
    certs = make_certificates(tmp_path / "certs")
    booth = make_booth(tmp_path)
    token = booth.store.token_for(clip_id)
    booth.store.close()
    port = free_port()
    cfg.write_text(
        cfg.read_text() + f'[web]\nhost = "127.0.0.1"\nport = {port}\n'
        f'tls_cert = "{certs.server_cert}"\ntls_key = "{certs.server_key}"\n'
    )
    qr = run_booth("consent", "qr", clip_id, "--out", str(tmp_path / "qr.png"), "--config", str(cfg))
    assert qr.returncode == 0 and "the page asks for the code" in qr.stdout
    proc = subprocess.Popen(
        [sys.executable, "-m", "booth.cli", "serve", "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    trusted = ssl.create_default_context(cafile=str(certs.ca))
    try:
        page = opened(f"https://localhost:{port}/c/{token}", proc, trusted)
        assert page.status == 200 and b"Brand social posts" in page.read()
        with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
            urllib.request.urlopen(f"http://localhost:{port}/c/{token}", timeout=10)  # no plain HTTP beside it
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    missing = cfg.read_text().replace(str(certs.server_key), str(tmp_path / "no-such.key"))
    cfg.write_text(missing)
    refused = run_booth("serve", "--config", str(cfg))
    assert refused.returncode == 2 and "web.tls_key" in refused.stderr and len(refused.stderr.splitlines()) == 1
