"""Tests of sf_social.salesforce: the record writer and its connection."""
