"""``sf-social doctor`` says whether the org records lead form consents as
ContactPointTypeConsent (a warn when it cannot), when the playbook maps consent questions."""

from __future__ import annotations

from sf_social.bundled import bundled_path
from sf_social.testing.standard import enable_data_privacy
from tests.cli.conftest import Ops
from tests.doctor.test_cli import checks

NAME = "salesforce lead form consents"


def with_consents(doc: Ops) -> Ops:
    text = bundled_path("mappings").joinpath("default.yaml").read_text(encoding="utf-8")
    playbook = doc.tmp / "playbook.yaml"
    playbook.write_text(text.replace("email_consents: []", "email_consents: [marketing]"))
    doc.env["SF_SOCIAL_PLAYBOOK"] = str(playbook)
    return doc


def test_an_org_without_the_privacy_objects_is_a_warn_with_the_setting_to_turn_on(
    doc: Ops,
) -> None:
    _code, found = checks(with_consents(doc))
    assert found[NAME]["status"] == "warn"
    assert "HasOptedOutOfEmail only" in found[NAME]["detail"]
    assert "Data Protection and Privacy" in found[NAME]["fix"]


def test_an_org_with_them_is_ok_and_without_consent_questions_nothing_is_asked(
    doc: Ops,
) -> None:
    _code, plain = checks(doc)
    assert NAME not in plain
    enable_data_privacy(doc.org.schema)
    _code, found = checks(with_consents(doc))
    assert found[NAME]["status"] == "ok"
