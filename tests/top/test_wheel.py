"""The wheel carries what an installed perfsheets needs besides its code."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "perfsheets/py.typed",  # users' type checkers read perfsheets' own hints
        "perfsheets/plan/data/example_plan.yaml",  # `init --example` and the demo
        "perfsheets/report/data/report_ua.css",  # the reports' user-agent stylesheet
    ],
)
def test_the_wheel_carries(built_wheel, name):
    assert name in zipfile.ZipFile(built_wheel).namelist()


@pytest.mark.slow
def test_a_users_type_checker_sees_the_real_signatures(built_wheel, tmp_path):
    # As installed from the wheel: mypy reads perfsheets' hints only if the wheel has py.typed,
    # and sees the real functions only through the lazy API's `if TYPE_CHECKING:` imports.
    site = tmp_path / "site"
    zipfile.ZipFile(built_wheel).extractall(site)
    user = tmp_path / "user.py"
    user.write_text(
        "import perfsheets as ps\n"
        "reveal_type(ps.load_plan('plan.yaml'))\n"
        "ps.init_workspace('ws', employees='many')\n",  # a mistake a checker must catch
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent", str(user)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert 'Revealed type is "perfsheets.core.model.Plan"' in result.stdout, result.stdout
    assert 'Argument "employees" to "init_workspace" has incompatible type "str"' in result.stdout
