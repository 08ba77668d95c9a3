"""``sf-social metadata validate|build`` as an admin runs them."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sf_social.bundled import bundled_path
from sf_social.cli.main import cli
from sf_social.errors import MetadataError

REPO = Path(__file__).resolve().parents[2]


def test_validate_passes_on_the_shipped_package() -> None:
    result = CliRunner().invoke(cli, ["metadata", "validate"])

    assert (result.exit_code, result.output) == (0, "ok: 89 components\n")


def test_validate_lists_each_problem_and_exits_1(tmp_path: Path) -> None:
    root = tmp_path / "metadata"
    shutil.copytree(bundled_path("metadata"), root)
    (root / "objects/Case/fields/Social_Complaint__c.field-meta.xml").write_text(
        "<CustomField>\n<label>x</CustomField>", encoding="utf-8"
    )

    result = CliRunner().invoke(cli, ["metadata", "validate", "--metadata", str(root)])

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    field = root / "objects/Case/fields/Social_Complaint__c.field-meta.xml"
    assert lines[0].startswith(f"{field}:2: Case.Social_Complaint__c: not well-formed XML: ")
    assert lines[1].startswith(f"{root}/permissionsets/SF_Social_Integration.permissionset-meta")
    assert lines[2].startswith(f"{field}: Case.Social_Complaint__c: missing: the mapping writes")
    assert len(lines) == 3
    assert result.stderr == f"3 problem(s) in {root}\n"


def test_build_writes_a_zip(tmp_path: Path) -> None:
    out = tmp_path / "deploy" / "sf_social.zip"

    result = CliRunner().invoke(cli, ["metadata", "build", "--out", str(out)])

    assert (result.exit_code, result.output) == (0, f"wrote {out}: 89 components\n")
    with zipfile.ZipFile(out) as archive:
        assert "package.xml" in archive.namelist()


@pytest.mark.slow
def test_the_admin_script_runs_validate() -> None:
    done = subprocess.run(
        [str(REPO / "scripts/metadata-validate")], capture_output=True, text=True, check=False
    )

    assert (done.returncode, done.stdout) == (0, "ok: 89 components\n"), done.stderr


@pytest.mark.parametrize("command", [["deploy"], ["deploy", "--check-only"], ["diff"]])
def test_deploy_and_diff_refuse_what_validate_refuses_before_touching_the_org(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """A package that reads fine but lacks a field the mapping writes: nothing is sent."""
    for name in ("SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)  # no org to reach: a login would fail loudly
    root = tmp_path / "metadata"
    shutil.copytree(bundled_path("metadata"), root)
    field = root / "objects/Case/fields/Social_Complaint__c.field-meta.xml"
    field.unlink()

    result = CliRunner().invoke(cli, ["metadata", *command, "--metadata", str(root)])

    assert isinstance(result.exception, MetadataError), result.output
    problems = result.exception.problems
    assert any("Case.Social_Complaint__c: missing: the mapping writes" in p for p in problems)
    assert str(root) in str(result.exception)


def test_validate_honours_sf_social_playbook(tmp_path: Path) -> None:
    text = (bundled_path("mappings") / "default.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("complaint_team: Customer Support", "complaint_team: Nobody"))
    routed = tmp_path / "routed.yaml"
    routed.write_text(text.replace("review_queue: Social_Review", "review_queue: Triage_Desk"))

    refused = CliRunner().invoke(
        cli, ["metadata", "validate"], env={"SF_SOCIAL_PLAYBOOK": str(broken)}
    )
    noted = CliRunner().invoke(
        cli, ["metadata", "validate"], env={"SF_SOCIAL_PLAYBOOK": str(routed)}
    )

    assert refused.exit_code != 0 and "Nobody" in str(refused.exception or refused.output)
    assert (noted.exit_code, noted.stdout) == (0, "ok: 89 components\n")
    assert "queue Triage_Desk" in noted.stderr and "the org must have it" in noted.stderr


def test_validate_names_a_shipped_queue_that_lacks_a_routed_object(tmp_path: Path) -> None:
    root = tmp_path / "metadata"
    shutil.copytree(bundled_path("metadata"), root)
    sales = root / "queues" / "Social_Sales.queue-meta.xml"
    text = sales.read_text(encoding="utf-8")
    lead = "    <queueSobject>\n        <sobjectType>Lead</sobjectType>\n    </queueSobject>\n"
    sales.write_text(text.replace(lead, ""), encoding="utf-8")

    result = CliRunner().invoke(cli, ["metadata", "validate", "--metadata", str(root)])

    assert result.exit_code == 1
    assert result.stdout == (
        f"{sales}:2: Social_Sales: the playbook routes Lead records here: add a <queueSobject>"
        " with <sobjectType>Lead</sobjectType>\n"
    )
