"""The one exception hierarchy of sf_social.

Every error says what was wrong, where (file:line, post id, field) and what to do.
Catch ``SfSocialError`` to catch them all::

    SfSocialError
    ├── ConfigError ................ a setting is missing or invalid; fix the environment/config
    │   ├── PlaybookError .......... a playbook file is invalid (file, line, key)
    │   ├── MetadataError .......... the metadata/ package is invalid (file, line, component)
    │   ├── ModelError ............. a trained model file cannot be used (file, why); retrain it
    │   └── SalesforceAuthError .... login refused, or the session expired and cannot be renewed
    ├── InputError ................. one input (a feed line, a post) was rejected; the rest go on
    │   ├── FeedLineError .......... a JSONL line could not be read as a SocialPost (line, field)
    │   └── ExportError ............ a LinkedIn data export cannot be read at all (path, why)
    ├── MetadataApiError ........... a Metadata API call failed or answered garbage (call, part)
    │   └── MetadataFaultError ..... the API answered a SOAP fault (code, e.g. INVALID_SESSION_ID)
    ├── MetadataDeployError ........ a metadata deploy failed or stopped; says what the org has
    │   ├── OrgChangedError ........ the org changed under the deploy (component, value); none sent
    │   └── DeployTimeoutError ..... a deploy did not finish in time; it may still run (deploy id)
    ├── StateError ................. the state store failed or refused (names the database)
    │   ├── SchemaVersionError ..... the database's schema is newer than this code (versions)
    │   ├── StoreLockedError ....... another process holds the SQLite state file (file, PID)
    │   └── OtherOrgError .......... the state belongs to another org (both org ids); --rebind
    ├── SalesforceError ............ a Salesforce REST/Bulk call failed (sf_social.salesforce)
    │   ├── SalesforceApiError ..... a call was refused (error code, HTTP status, transient or not)
    │   │   └── MalformedResponseError  the answer was not what the API documents (HTML, counts)
    │   ├── ApiBudgetPaused ........ writes paused: the org's daily API usage reached the ceiling
    │   └── ReplyWriteError ........ the org refused a write of the reply job (record, code)
    ├── LocalOrgError .............. the local test org (sf_social.testing) refused a call (code)
    └── SourceApiError ............. a network's API call failed (network, source, endpoint, status)
        ├── SourceAuthError ........ 401/403: a credential or grant to renew (named); source stops
        └── SourceRateLimitError ... rate limited beyond the allowed wait (``retry_at``)

Per-record rejections inside a successful call are data, not exceptions: see
``sf_social.salesforce.results.RecordFailure``.

Every error's text is redacted (``sf_social.redaction``): a secret a server echoed into a
message never reaches a terminal, a log or the state through ``str(error)``.
"""

from __future__ import annotations

from sf_social.redaction import redact


class SfSocialError(Exception):
    """Base of every error sf_social raises on purpose; its text never shows a secret."""

    def __str__(self) -> str:
        return redact(super().__str__())


class ConfigError(SfSocialError):
    """A setting is missing or invalid."""


class PlaybookError(ConfigError):
    """A playbook file is invalid; ``problems`` lists each one as ``file:line: key: message``."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid playbook {path} ({len(problems)} problem(s)):\n{listing}")


class MetadataError(ConfigError):
    """The metadata package is invalid; ``problems`` lists each as ``file:line: component: ...``."""

    def __init__(self, root: str, problems: list[str]) -> None:
        self.root = root
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid metadata in {root} ({len(problems)} problem(s)):\n{listing}")


class ModelError(ConfigError):
    """A trained model file is missing, damaged or made for another version."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"model {path}: {message}")


class InputError(SfSocialError):
    """One input was rejected; processing of the others continues."""


class FeedLineError(InputError):
    """A line of a JSONL feed could not be read as a SocialPost."""

    def __init__(self, source: str, line_no: int, field: str, message: str) -> None:
        self.source = source
        self.line_no = line_no
        self.field = field
        self.message = message
        where = f"{source}:{line_no}"
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


class IncompleteLineError(FeedLineError):
    """The feed's last line has no newline and is not one complete JSON value yet.

    A tailed feed (a source with a cursor) leaves it unread, its cursor before it, and
    reads it once it is complete; a one-shot read rejects it like any bad line.
    """

    def __init__(self, source: str, line_no: int) -> None:
        super().__init__(source, line_no, "", "last line incomplete, not read")


class ExportError(InputError):
    """A LinkedIn data export (folder or ZIP) cannot be read at all; bad rows are FeedLineErrors."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


class MetadataApiError(SfSocialError):
    """A Metadata API call failed, or its answer was not the expected SOAP message.

    ``transient`` is true for timeouts, connection errors and 5xx answers: trying again
    later may work.
    """

    def __init__(self, call: str, component: str, message: str, *, transient: bool = False) -> None:
        self.call = call
        self.component = component
        self.transient = transient
        super().__init__(f"Metadata API {call} ({component}): {message}")


class MetadataFaultError(MetadataApiError):
    """The Metadata API answered a SOAP fault; ``fault_code`` is e.g. ``INVALID_SESSION_ID``."""

    def __init__(self, call: str, component: str, fault_code: str, message: str) -> None:
        self.fault_code = fault_code
        hint = (
            " (the session expired or is not valid: get a new SF_ACCESS_TOKEN, e.g. from"
            " `sf org display`, or check the SF_* login settings)"
            if fault_code == "INVALID_SESSION_ID"
            else ""
        )
        super().__init__(call, component, f"{fault_code}: {message}{hint}")


class MetadataDeployError(SfSocialError):
    """A metadata deploy was refused, stopped or failed; the message says what the org has."""


class OrgChangedError(MetadataDeployError):
    """The org's values changed between our read and our deploy; nothing was deployed."""

    def __init__(self, component: str, values: list[str]) -> None:
        self.component = component
        self.values = values
        super().__init__(
            f"{component} changed in the org while we prepared the deploy"
            f" ({', '.join(values)}); nothing was deployed: run the deploy again"
        )


class DeployTimeoutError(MetadataDeployError):
    """A deploy did not finish within the wait; it may still complete in the org."""

    def __init__(self, deploy_id: str, waited: float) -> None:
        self.deploy_id = deploy_id
        super().__init__(
            f"deploy {deploy_id} did not finish within {waited:g} s; it may still complete:"
            " check Setup > Deployment Status in the org before deploying again"
        )


class StateError(SfSocialError):
    """The state store failed or refused to work; the message names the database."""


class SchemaVersionError(StateError):
    """The database was migrated by a newer sf_social than this one; nothing was changed."""

    def __init__(self, database: str, found: int, known: int) -> None:
        self.database = database
        self.found = found
        self.known = known
        super().__init__(
            f"state database {database} has schema version {found}, but this sf_social knows"
            f" versions up to {known}: upgrade sf_social, or point SF_SOCIAL_DB elsewhere"
        )


class StoreLockedError(StateError):
    """Another process holds the SQLite state file: SQLite allows one daemon per file."""

    def __init__(self, database: str, lock_file: str, pid: int | None) -> None:
        self.database = database
        self.lock_file = lock_file
        self.pid = pid
        holder = f"PID {pid}" if pid is not None else "a process whose PID is unknown"
        super().__init__(
            f"state database {database} is in use by another sf-social process ({holder},"
            f" lock file {lock_file}); SQLite allows one daemon per file: stop that process,"
            " or use PostgreSQL (SF_SOCIAL_DB=postgresql+psycopg://...) to run replicas"
        )


class OtherOrgError(StateError):
    """The state store was used with another Salesforce org than the one logged in to."""

    def __init__(self, database: str, bound: str, current: str) -> None:
        self.bound = bound
        self.current = current
        super().__init__(
            f"state database {database} belongs to org {bound}, but the login is to org"
            f" {current}: its ledger would skip posts written only to {bound}. Point"
            " SF_SOCIAL_DB at this org's state, or run with --rebind to forget what was"
            " written to the old org (then `sf-social replay --since ...` sends history again)"
        )


class SalesforceAuthError(ConfigError):
    """Login was refused, or the session expired and these settings cannot renew it.

    The message names the login mode and the server's reason, never a secret.
    """


class SalesforceError(SfSocialError):
    """A call to the Salesforce REST or Bulk API failed."""


class SalesforceApiError(SalesforceError):
    """A call was refused or could not be made.

    ``code`` is Salesforce's error code (``UNABLE_TO_LOCK_ROW``, ``INVALID_FIELD``...) or
    ours for transport failures (``TIMEOUT``, ``CONNECTION_ERROR``, ``HTTP_502``...);
    ``transient`` says whether the same call may succeed later.
    """

    def __init__(
        self,
        call: str,
        code: str,
        message: str,
        *,
        status: int | None = None,
        fields: tuple[str, ...] = (),
        transient: bool = False,
    ) -> None:
        self.call = call
        self.code = code
        self.message = redact(message)  # the server's words: they may echo a secret
        self.status = status
        self.fields = fields
        self.transient = transient
        where = f" (HTTP {status})" if status is not None else ""
        on = f" [fields: {', '.join(fields)}]" if fields else ""
        super().__init__(f"Salesforce {call}{where}: {code}: {message}{on}")


class MalformedResponseError(SalesforceApiError):
    """The answer was not what the API documents (an HTML page, a wrong count of results).

    Nothing is assumed written: the records of the call are reported as failed (transient).
    """

    def __init__(self, call: str, message: str, *, status: int | None = None) -> None:
        super().__init__(call, "MALFORMED_RESPONSE", message, status=status, transient=True)


class ApiBudgetPaused(SalesforceError):
    """Writes are paused: the org's rolling 24 h API usage reached the configured ceiling."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ReplyWriteError(SalesforceError):
    """The org refused a write of the reply job (``sf_social.sync.replies``): the reply is
    left as the org has it; a reply not marked Sending is never posted."""


class LocalOrgError(SfSocialError):
    """The local test org refused a call made on it directly (e.g. ``LocalOrg.query``).

    ``status`` is the HTTP status and ``code`` the errorCode Salesforce would answer.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class SourceApiError(SfSocialError):
    """A social network's API call failed (``sf_social.http``); ``transient`` says whether a
    later pass may succeed.

    The message names the network, the source or stream (``X mentions:@acme``), the endpoint,
    the HTTP status and what to do, and never a credential.
    """

    def __init__(
        self,
        network: str,
        source: str,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
    ) -> None:
        self.network = network
        self.source = source
        self.status = status
        self.transient = transient
        where = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{network} {source}{where}: {message}")


class SourceAuthError(SourceApiError):
    """401 (credentials refused) or 403 (the app's access does not allow the endpoint).

    The message names the credential or grant to renew; the source (or X stream) stops until
    it is fixed, the others keep running.
    """


class SourceRateLimitError(SourceApiError):
    """Rate limited for longer than the source may wait; ``retry_at`` is the reset (epoch s)."""

    def __init__(self, network: str, source: str, message: str, *, retry_at: float) -> None:
        self.retry_at = retry_at
        super().__init__(network, source, message, status=429, transient=True)
