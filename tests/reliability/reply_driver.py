"""A reply-job process for the kill test: ``python -m tests.reliability.reply_driver``.

Posts the replies Approved in the org (``SF_INSTANCE_URL``, ``SF_ACCESS_TOKEN``,
``REQUESTS_CA_BUNDLE``) as the X account ``X_ACCOUNT_ID``, on the X twin served at
``X_TWIN_URL`` (:mod:`tests.reliability.x_server`), with the reply job of the daemon:
one pass after another until none is pending. A reply found in Sending is settled at
once (``settle`` 0: one process at a time here). One JSON line per pass, then
``{"done": true}``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, astuple
from datetime import timedelta

from sf_social.config import load_config
from sf_social.retry import RetryPolicy
from sf_social.salesforce.rest import RestOrgApi
from sf_social.salesforce.writer import SalesforceWriter, WriterConfig
from sf_social.sync.replies import ReplyJob
from sf_social.testing.x_posting import twin_poster
from tests.reliability.x_server import forward_x


def main() -> None:
    org_url = os.environ["SF_INSTANCE_URL"]
    account = os.environ["X_ACCOUNT_ID"]
    with forward_x(os.environ["X_TWIN_URL"], org_url):
        writer = SalesforceWriter.connect(
            load_config().salesforce, WriterConfig(retry=RetryPolicy.instant())
        )
        api = writer.api
        assert isinstance(api, RestOrgApi)
        job = ReplyJob(api, api, [twin_poster(account)], settle=timedelta(0))
        while True:
            report = job.run_once()
            print(json.dumps(asdict(report)), flush=True)
            if not any(astuple(report)):
                print(json.dumps({"done": True}), flush=True)
                return


if __name__ == "__main__":
    main()
