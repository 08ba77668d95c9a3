"""``sf-social doctor``: every prerequisite checked before the daemon runs.

One :class:`~sf_social.doctor.report.Check` per line, ``ok``, ``warn`` or ``fail``, each
with what is wrong and the exact fix: the Salesforce org (:mod:`.salesforce`), each
configured source (:mod:`.sources`) and the state store (:mod:`.state`).
"""
