"""Salesforce metadata: the package in ``metadata/`` and the org side (diff, deploy)."""
