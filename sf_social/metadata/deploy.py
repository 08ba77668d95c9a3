"""Deploy our package into an org without breaking its picklists.

``deploy_package`` reads the org, merges our values into its lists (``diff.plan_deploy``),
builds the mdapi zip with the merged lists, reads the org again just before deploying
(re-merging once if it changed, stopping with ``OrgChangedError`` if it changes again),
deploys with ``rollbackOnError``, and polls until the deploy is done. ``render_outcome``
words the per-component result. A deploy is a success only when every component succeeded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sf_social.errors import (
    DeployTimeoutError,
    MetadataApiError,
    MetadataDeployError,
    OrgChangedError,
)
from sf_social.metadata.build import mdapi_files, zip_bytes
from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.diff import MetadataDiff, OrgState, plan_deploy, read_org
from sf_social.metadata.mdapi import (
    DeployResult,
    DeployStatus,
    MetadataApi,
    MetadataRecord,
    TestLevel,
)
from sf_social.metadata.patch import apply_merges

Progress = Callable[[str], None]
MAX_TRANSIENT = 3  # status checks in a row that may fail on a timeout / 5xx before giving up


@dataclass(frozen=True)
class DeployOutcome:
    """The plan that was deployed and the org's final word on it."""

    diff: MetadataDiff
    result: DeployResult

    @property
    def ok(self) -> bool:
        """Every component succeeded (a partial success is a failure)."""
        result = self.result
        return result.status is DeployStatus.SUCCEEDED and result.success and not result.failures

    @property
    def verdict(self) -> str:
        """One line: did it work, and what does the org hold now."""
        result = self.result
        if self.ok:
            if result.check_only:
                return "Validated: every component would deploy; nothing was changed in the org."
            return "Deployed: every component succeeded."
        if result.status is DeployStatus.SUCCEEDED_PARTIAL:
            return "PARTIAL: some components were saved, the failed ones were not."
        if result.status is DeployStatus.CANCELED:
            return "CANCELED in the org before it completed; a canceled deploy is rolled back."
        return "FAILED: nothing was changed in the org (a failed deploy is rolled back whole)."


def deploy_package(
    api: MetadataApi,
    package: MetadataPackage,
    *,
    check_only: bool,
    sandbox: bool,
    api_version: str,
    progress: Progress,
    wait: float = 600.0,
    routed: Sequence[str] = (),
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeployOutcome:
    """Merge, check the org did not move, deploy, and wait (at most ``wait`` seconds).

    ``routed``: the queues the playbook routes to that the package lacks (the org must
    have them, or nothing is deployed).

    ``sandbox`` runs no Apex tests (``NoTestRun``, refused by production orgs); otherwise
    the org's default applies, which runs no tests for a package without Apex.
    """
    progress("reading the org's value sets and custom fields...")
    org = read_org(api, package, routed)
    diff = plan_deploy(package, org, routed)
    zip_data = _package_zip(package, diff, api_version)
    progress("reading the org again just before the deploy...")
    again = read_org(api, package, routed)
    changes = org_changes(org, again)
    if changes:
        progress(f"the org changed meanwhile ({_describe(changes)}): merging again")
        diff = plan_deploy(package, again, routed)
        zip_data = _package_zip(package, diff, api_version)
        changes = org_changes(again, read_org(api, package, routed))
        if changes:
            many = len(changes) > 1
            values = [f"{n}: {w}" if many else w for n, found in changes.items() for w in found]
            raise OrgChangedError(", ".join(changes), values)
    level = TestLevel.NO_TEST_RUN if sandbox else None
    deploy_id = api.deploy(zip_data, check_only=check_only, test_level=level)
    kind = "check-only deploy" if check_only else "deploy"
    progress(f"{kind} {deploy_id} started")
    result = wait_for_deploy(api, deploy_id, progress=progress, wait=wait, sleep=sleep, clock=clock)
    return DeployOutcome(diff, result)


def _package_zip(package: MetadataPackage, diff: MetadataDiff, api_version: str) -> bytes:
    if diff.conflicts:
        raise MetadataDeployError("not deploying: " + "; ".join(diff.conflicts))
    files = apply_merges(mdapi_files(package, api_version), {m.name: m for m in diff.merges})
    files.update({f"queues/{q.name}.queue": q.content for q in diff.queues})
    return zip_bytes(files)


def org_changes(before: OrgState, after: OrgState) -> dict[str, list[str]]:
    """Component → what differs between two reads of the org (empty when nothing does)."""
    changes: dict[str, list[str]] = {}
    pairs = (
        (before.value_sets, after.value_sets),
        (before.fields, after.fields),
        (before.queues, after.queues),
    )
    for old, new in pairs:
        for name in sorted(old.keys() | new.keys()):
            found = _record_changes(old.get(name), new.get(name))
            if found:
                changes[name] = found
    return changes


def _describe(changes: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {', '.join(found)}" for name, found in changes.items())


def _record_changes(old: MetadataRecord | None, new: MetadataRecord | None) -> list[str]:
    if old == new:
        return []
    if old is None or new is None:
        return ["created" if old is None else "deleted"]
    before = {v.full_name: v for v in old.values}
    after = {v.full_name: v for v in new.values}
    found = [f"{name!r} added" for name in after if name not in before]
    found += [f"{name!r} removed or renamed" for name in before if name not in after]
    found += [
        f"{name!r} changed" for name in after if name in before and after[name] != before[name]
    ]
    if not found and [v.full_name for v in old.values] != [v.full_name for v in new.values]:
        found.append("values reordered")
    return found or ["settings changed"]


def wait_for_deploy(
    api: MetadataApi,
    deploy_id: str,
    *,
    progress: Progress,
    wait: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeployResult:
    """Poll until the deploy is done (backing off 1 s → 15 s); then its detailed result.

    A few timeouts or 5xx answers in a row are tolerated; past ``wait`` seconds,
    ``DeployTimeoutError`` (the deploy may still finish in the org).
    """
    start, delay, failures = clock(), 1.0, 0
    while True:
        try:
            status = api.check_deploy_status(deploy_id, include_details=False)
            failures = 0
        except MetadataApiError as exc:
            failures += 1
            if not exc.transient or failures > MAX_TRANSIENT:
                raise
            progress(f"status check failed, trying again: {exc}")
        else:
            progress(_progress_line(status))
            if status.done:
                return api.check_deploy_status(deploy_id, include_details=True)
        if clock() - start + delay > wait:
            raise DeployTimeoutError(deploy_id, wait)
        sleep(delay)
        delay = min(delay * 1.5, 15.0)


def _progress_line(status: DeployResult) -> str:
    line = f"{status.status}: {status.components_deployed}/{status.components_total} components"
    if status.component_errors:
        line += f", {status.component_errors} error(s)"
    return line + (f" ({status.state_detail})" if status.state_detail else "")


def render_outcome(outcome: DeployOutcome) -> list[str]:
    """Per component what happened, and what the org holds now."""
    result = outcome.result
    kind = "Check-only deploy" if result.check_only else "Deploy"
    lines = [f"{kind} {result.id}: {result.status}"]
    for message in result.successes:
        if message.file_name == "package.xml":
            continue
        what = "created" if message.created else "changed" if message.changed else "unchanged"
        lines.append(f"  ok      {message.component_type} {message.full_name} ({what})")
    for message in result.failures:
        where = message.file_name
        if message.line is not None:
            where += f":{message.line}" + (f":{message.column}" if message.column else "")
        lines.append(
            f"  {(message.problem_type or 'Error').upper():7} {message.component_type}"
            f" {message.full_name}: {where}: {message.problem or '(no detail)'}"
        )
    if result.error_status_code or result.error_message:
        lines.append(f"  {result.error_status_code or 'error'}: {result.error_message or ''}")
    lines.append(outcome.verdict)
    return lines
