"""The access logger computes the atoms of the access line as gunicorn's own would."""

import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from gunicorn.config import Config
from gunicorn.glogging import Logger

from lyo.gunicorn_logging import AccessLogger

ROOT = Path(__file__).resolve().parents[2]


def _request():
    environ = {
        "REMOTE_ADDR": "10.0.0.7", "REQUEST_METHOD": "POST", "RAW_URI": "/webhooks/whatsapp?x=1",
        "PATH_INFO": "/webhooks/whatsapp", "QUERY_STRING": "x=1", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "facebookexternalua", "HTTP_AUTHORIZATION": "Basic dXNlcjpwdw==",
    }
    resp = SimpleNamespace(status="200 OK", sent=53, headers=[("Content-Type", "application/json")])
    req = SimpleNamespace(headers=[("USER-AGENT", "facebookexternalua")])
    return resp, req, environ, timedelta(seconds=1, microseconds=2345)


def test_the_plain_atoms_are_gunicorns_and_the_line_is_the_same():
    config = Config()
    ours, theirs = AccessLogger(config), Logger(config)
    resp, req, environ, took = _request()
    with mock.patch.object(Logger, "now", return_value="[04/Dec/2026:22:00:00 +0000]"):
        expected = {k: v for k, v in theirs.atoms(resp, req, environ, took).items() if not k.startswith("{")}
        atoms = ours.atoms(resp, req, environ, took)
    assert atoms == expected
    assert atoms["u"] == "user"  # from the Basic credentials, as gunicorn reads them
    line_format = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"]
    assert line_format % ours.atoms_wrapper_class(atoms) == line_format % theirs.atoms_wrapper_class(expected)
    assert line_format % ours.atoms_wrapper_class(atoms) == (
        '10.0.0.7 "POST /webhooks/whatsapp HTTP/1.1" 200 53 1002ms "facebookexternalua"'
    )


def test_gunicorn_is_configured_with_it():
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["logger_class"] == "lyo.gunicorn_logging.AccessLogger"
