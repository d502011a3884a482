"""Fixtures of the mail tests: real SMTP and IMAP servers on 127.0.0.1 and cycle workspaces
made by the project's own init / generate / simulate / collect."""

from __future__ import annotations

import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from mail_support import PASSWORD, USER, Recorder, authenticate, free_port

from perfsheets.ledger.workspace import Workspace
from perfsheets.mail.local_server import LocalImap, local_imap

_TEMPLATES: dict[str, Path] = {}


def _template(factory: pytest.TempPathFactory, name: str, employees: int, simulate: bool) -> Path:
    """A workspace made once per session: init + generate (+ simulate + collect)."""
    if name not in _TEMPLATES:
        from perfsheets.cycle.setup import init_workspace
        from perfsheets.forms.generate import generate_forms

        root = factory.mktemp(name) / "cycle"
        init_workspace(root, employees=employees, seed=3)
        generate_forms(root, workers=2)
        if simulate:
            from perfsheets.collect.run import collect_returns
            from perfsheets.forms.simulate import simulate_returns

            simulate_returns(root, seed=5, missing=0.15, mistakes=0.15, workers=2)
            collect_returns(root, workers=2)
        _TEMPLATES[name] = root
    return _TEMPLATES[name]


@pytest.fixture
def big_ws(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Workspace:
    """200 employees' forms generated (about 230 raters), nothing sent yet."""
    root = tmp_path / "cycle"
    shutil.copytree(_template(tmp_path_factory, "mail-big", 200, False), root)
    return Workspace(root)


@pytest.fixture
def small_ws(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Workspace:
    """30 employees: forms generated, returns simulated (some missing, some faulty), collected."""
    root = tmp_path / "cycle"
    shutil.copytree(_template(tmp_path_factory, "mail-small", 30, True), root)
    return Workspace(root)


@pytest.fixture
def fresh_ws(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Workspace:
    """30 employees' forms generated, nothing returned yet."""
    root = tmp_path / "cycle"
    shutil.copytree(_template(tmp_path_factory, "mail-fresh", 30, False), root)
    return Workspace(root)


_RELEASED: dict[str, Path] = {}


@pytest.fixture
def released_ws(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Workspace:
    """16 employees: every return in, consolidated, released, reports and packs written (made
    once per session by the project's own stages)."""
    if "released" not in _RELEASED:
        from perfsheets.calibration.run import release_cycle
        from perfsheets.collect.run import collect_returns
        from perfsheets.consolidation.run import consolidate
        from perfsheets.cycle.setup import init_workspace
        from perfsheets.forms.generate import generate_forms
        from perfsheets.forms.simulate import simulate_returns
        from perfsheets.report.render import render_reports

        root = tmp_path_factory.mktemp("mail-released") / "cycle"
        init_workspace(root, employees=16, seed=3)
        generate_forms(root, workers=2)
        simulate_returns(root, seed=5, missing=0, mistakes=0, workers=2)
        collect_returns(root, workers=2)
        consolidate(root, previous=[])
        release_cycle(root)
        render_reports(root, workers=2, hr_summary=False)
        _RELEASED["released"] = root
    root = tmp_path / "cycle"
    shutil.copytree(_RELEASED["released"], root)
    return Workspace(root)


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PERFSHEETS_MAIL_PASSWORD", PASSWORD)
    return PASSWORD


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory):
    import trustme

    authority = trustme.CA()
    folder = tmp_path_factory.mktemp("ca")
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    return authority, folder / "ca.pem"


class Smtp:
    def __init__(self, recorder: Recorder, port: int, security: str, ca_file: Path | None):
        self.recorder, self.port, self.security, self.ca_file = recorder, port, security, ca_file

    def settings(self) -> dict[str, object]:
        values: dict[str, object] = {"port": self.port, "security": self.security}
        if self.ca_file:
            values["ca_file"] = str(self.ca_file)
        return values


def _serve(security: str, ca) -> Iterator[Smtp]:
    from aiosmtpd.controller import Controller

    recorder = Recorder()
    port = free_port()
    kwargs: dict[str, object] = {"authenticator": authenticate}
    ca_file = None
    if security == "none":
        kwargs["auth_require_tls"] = False
    else:
        authority, ca_file = ca
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        if security == "ssl":
            kwargs["ssl_context"] = context
            # aiosmtpd offers AUTH only after STARTTLS; this connection is TLS from the start
            kwargs["auth_require_tls"] = False
        else:
            kwargs["tls_context"] = context
            kwargs["require_starttls"] = True
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Smtp(recorder, port, security, ca_file)
    finally:
        controller.stop()


@pytest.fixture
def smtp(ca) -> Iterator[Smtp]:
    """Plain SMTP with AUTH."""
    yield from _serve("none", ca)


@pytest.fixture(params=["starttls", "ssl"])
def smtp_tls(request: pytest.FixtureRequest, ca) -> Iterator[Smtp]:
    """SMTP with STARTTLS, or SSL from the first byte (port 465 style)."""
    yield from _serve(request.param, ca)


@pytest.fixture(params=["plain", "ssl"])
def dovecot(request: pytest.FixtureRequest, ca) -> Iterator[LocalImap]:
    """dovecot without TLS (port 143 style), or with TLS from the first byte (993 style): the
    library's local IMAP server, the one ``demo --mail`` runs."""
    cert, context = None, None
    if request.param == "ssl":
        authority, _ = ca
        leaf = authority.issue_cert("127.0.0.1")
        context = ssl.create_default_context()
        authority.configure_trust(context)
        cert = (leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes())
    with local_imap(USER, PASSWORD, cert, context) as server:
        yield server
