"""The report type, reports and dashboard "Social care": read, checked and built like the rest."""

from __future__ import annotations

from pathlib import Path

from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.source import scan_package
from sf_social.metadata.validate import check_analytics
from tests.metadata.files import edit

DASHBOARD = "dashboards/Social_Care/Social_Care.dashboard-meta.xml"
TIMES = "reports/Social_Care/Social_Response_Times.report-meta.xml"


def problems(root: Path) -> list[str]:
    package, found = scan_package(root)
    return [str(p).removeprefix(f"{root}/") for p in found + check_analytics(package)]


def test_the_shipped_dashboard_runs_as_the_viewer_on_our_reports(package: MetadataPackage) -> None:
    dashboard = package.analytic("Dashboard", "Social_Care/Social_Care")
    assert dashboard is not None and dashboard.label == "Social care"
    assert b"<dashboardType>LoggedInUser</dashboardType>" in dashboard.source
    assert dashboard.refers_to == (
        "Social_Care/Social_Cases_by_Segment_and_Network",
        "Social_Care/Social_Overdue_Now",
        "Social_Care/Social_Response_Times",
        "Social_Care/Social_Within_Target",
    )
    report_type = package.analytic("ReportType", "Social_Cases")
    assert report_type is not None and "Case.Social_Response_Minutes__c" in report_type.refers_to
    assert check_analytics(package) == []


def test_a_dashboard_running_as_a_named_user_is_refused(root: Path) -> None:
    edit(root, DASHBOARD, "LoggedInUser", "SpecifiedUser")
    (found,) = problems(root)
    assert found.startswith(f"{DASHBOARD}:2: Social_Care/Social_Care: set <dashboardType>")


def test_missing_parts_are_named(root: Path) -> None:
    edit(root, TIMES, "<reportType>Social_Cases__c", "<reportType>Social_Calls__c")
    edit(root, DASHBOARD, "Social_Care/Social_Overdue_Now", "Social_Care/Overdue")
    (root / "reports/Social_Care.reportFolder-meta.xml").unlink()
    (root / "objects/Case/fields/Social_Response_Overdue__c.field-meta.xml").unlink()
    found = problems(root)
    assert (
        f"{TIMES}:2: Social_Care/Social_Response_Times: report type Social_Calls__c"
        " is not in reportTypes/" in found
    )
    assert any("shows report Social_Care/Overdue, which is not in reports/" in p for p in found)
    assert any("no folder Social_Care: add its ReportFolder file" in p for p in found)
    assert any(
        "Social_Cases: column Case.Social_Response_Overdue__c is not a custom field" in p
        for p in found
    )


def test_an_unknown_element_breaks_the_schema(root: Path) -> None:
    edit(root, TIMES, "<format>", "<colour>red</colour>\n    <format>")
    assert any("XSD: Element 'colour': This element is not expected" in p for p in problems(root))
