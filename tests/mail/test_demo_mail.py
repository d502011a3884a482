"""`perfsheets demo --mail`: the mail steps run against the local SMTP server the demo starts,
and what it received is in the workspace's mailbox."""

from __future__ import annotations

import hashlib
import mailbox

import pytest

from perfsheets.demo import run_demo

pytestmark = pytest.mark.slow  # a whole demo


def test_the_demo_mails_the_forms_and_the_packs_to_its_own_server(tmp_path):
    demo = run_demo(tmp_path / "demo", employees=12, seed=1, mail=True)
    stages = {s.stage: s.result for s in demo.stages}
    sent_forms, sent_reports = stages["send"].sent, stages["send-reports"].sent
    assert sent_forms > 0 and sent_reports > 0
    assert [s.stage for s in demo.stages].index("send-reports") > [
        s.stage for s in demo.stages
    ].index("release")
    box = mailbox.Maildir(demo.outputs()["mailbox"], create=False)
    messages = list(box)
    assert len(messages) == sent_forms + sent_reports
    forms = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (demo.workspace / "forms").glob("*.xlsx")
    }
    attached = {
        part.get_filename(): hashlib.sha256(part.get_payload(decode=True)).hexdigest()
        for m in messages
        for part in m.walk()
        if part.get_filename()
    }
    xlsx = {h for name, h in attached.items() if name.endswith(".xlsx")}
    assert xlsx and xlsx <= forms  # every form attached is a generated form, byte for byte
    assert any(name.endswith(".pdf") for name in attached)  # the managers' packs
