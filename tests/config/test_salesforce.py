"""The Salesforce settings from the environment: each login mode, errors naming the variable,
secrets hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from sf_social.config import Config, StateConfig, load_config
from sf_social.errors import ConfigError
from sf_social.salesforce_settings import AuthMode, SalesforceSettings

SECRET = "Zq9-very-distinctive-s3cret-7Xw"
INSTANCE = "https://northwind.my.salesforce.com"


def all_text(settings: Config) -> str:
    return "\n".join(
        [repr(settings), str(settings), repr(settings.salesforce), str(settings.salesforce)]
    )


class TestAuthModes:
    def test_access_token(self) -> None:
        s = load_config(None, {"SF_INSTANCE_URL": INSTANCE + "/", "SF_ACCESS_TOKEN": SECRET})
        assert s.salesforce.auth_mode is AuthMode.ACCESS_TOKEN
        assert s.salesforce.instance_url == INSTANCE
        assert s.salesforce.access_token is not None
        assert s.salesforce.access_token.get_secret_value() == SECRET

    def test_jwt_bearer(self) -> None:
        s = load_config(
            None,
            {
                "SF_USERNAME": "integration@northwind.example",
                "SF_CONSUMER_KEY": "3MVG9key",
                "SF_PRIVATE_KEY_FILE": "/etc/sf/server.key",
            },
        )
        assert s.salesforce.auth_mode is AuthMode.JWT
        assert s.salesforce.private_key_file == Path("/etc/sf/server.key")
        assert s.salesforce.username == "integration@northwind.example"

    def test_client_credentials(self) -> None:
        s = load_config(None, {"SF_CONSUMER_KEY": "3MVG9key", "SF_CONSUMER_SECRET": SECRET})
        assert s.salesforce.auth_mode is AuthMode.CLIENT_CREDENTIALS
        assert s.salesforce.consumer_secret is not None
        assert s.salesforce.consumer_secret.get_secret_value() == SECRET

    def test_username_password(self) -> None:
        s = load_config(
            None, {"SF_USERNAME": "u@x.example", "SF_PASSWORD": SECRET, "SF_SECURITY_TOKEN": SECRET}
        )
        assert s.salesforce.auth_mode is AuthMode.PASSWORD
        assert s.salesforce.password is not None
        assert s.salesforce.password.get_secret_value() == SECRET

    def test_access_token_wins_when_several_logins_are_set(self) -> None:
        s = load_config(
            None,
            {
                "SF_INSTANCE_URL": INSTANCE,
                "SF_ACCESS_TOKEN": SECRET,
                "SF_USERNAME": "u@x.example",
                "SF_PASSWORD": SECRET,
            },
        )
        assert s.salesforce.auth_mode is AuthMode.ACCESS_TOKEN

    def test_jwt_wins_over_password(self) -> None:
        s = load_config(
            None,
            {
                "SF_USERNAME": "u@x.example",
                "SF_CONSUMER_KEY": "k",
                "SF_PRIVATE_KEY_FILE": "k.pem",
                "SF_PASSWORD": SECRET,
            },
        )
        assert s.salesforce.auth_mode is AuthMode.JWT

    @pytest.mark.parametrize(
        "env",
        [
            {},
            {"SF_INSTANCE_URL": INSTANCE},
            {"SF_ACCESS_TOKEN": SECRET},
            {"SF_USERNAME": "u@x.example"},
            {"SF_USERNAME": "u@x.example", "SF_CONSUMER_KEY": "k"},
            {"SF_CONSUMER_KEY": "k"},
            {"SF_USERNAME": "u", "SF_CONSUMER_KEY": "k", "SF_CONSUMER_SECRET": SECRET},
        ],
    )
    def test_missing_login_names_the_variables(self, env: dict[str, str]) -> None:
        settings = load_config(None, env)
        with pytest.raises(ConfigError) as exc:
            _ = settings.salesforce.auth_mode
        message = str(exc.value)
        assert message.startswith("no Salesforce login configured")
        for name in (
            "SF_INSTANCE_URL",
            "SF_ACCESS_TOKEN",
            "SF_USERNAME",
            "SF_CONSUMER_KEY",
            "SF_PRIVATE_KEY_FILE",
            "SF_CONSUMER_SECRET",
            "SF_PASSWORD",
        ):
            assert name in message
        assert SECRET not in message


class TestFromTheEnvironment:
    def test_defaults(self) -> None:
        s = load_config(None, {})
        assert s.db_url == "sqlite:///sf_social.db"
        assert s.playbook is None
        assert s.salesforce.domain == "login"
        assert s.salesforce.api_version == "63.0"
        assert s.salesforce.timeout == 30.0

    def test_every_variable_is_read(self) -> None:
        s = load_config(
            None,
            {
                "SF_DOMAIN": "test",
                "SF_API_VERSION": "61.0",
                "SF_TIMEOUT": "12.5",
                "SF_SOCIAL_DB": "postgresql://sync@db/sf",
                "SF_SOCIAL_PLAYBOOK": "/etc/sf/playbook.yaml",
            },
        )
        assert s.salesforce.domain == "test"
        assert s.salesforce.api_version == "61.0"
        assert s.salesforce.timeout == 12.5
        assert s.db_url == "postgresql://sync@db/sf"
        assert s.playbook == Path("/etc/sf/playbook.yaml")

    def test_empty_variables_count_as_unset(self) -> None:
        s = load_config(None, {"SF_TIMEOUT": "", "SF_SOCIAL_DB": "", "SF_DOMAIN": ""})
        assert s.salesforce.timeout == 30.0
        assert s.db_url == "sqlite:///sf_social.db"
        assert s.salesforce.domain == "login"

    def test_unrelated_variables_are_ignored(self) -> None:
        s = load_config(None, {"SF_COLOR": "blue", "HOME": "/root"})
        assert s == Config()

    def test_reads_os_environ_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SF_SOCIAL_DB", "sqlite:///from-env.db")
        monkeypatch.setenv("SF_TIMEOUT", "7")
        s = load_config()
        assert s.db_url == "sqlite:///from-env.db"
        assert s.salesforce.timeout == 7.0

    def test_settings_are_frozen(self) -> None:
        from pydantic import ValidationError

        s = load_config(None, {})
        with pytest.raises(ValidationError):
            s.state = StateConfig()  # type: ignore[misc]


class TestInvalidValuesNameTheVariable:
    @pytest.mark.parametrize(
        ("env", "variable", "fragment"),
        [
            ({"SF_TIMEOUT": "soon"}, "SF_TIMEOUT", "valid number"),
            ({"SF_TIMEOUT": "0"}, "SF_TIMEOUT", "greater than 0"),
            ({"SF_TIMEOUT": "601"}, "SF_TIMEOUT", "less than or equal to 600"),
            ({"SF_API_VERSION": "63"}, "SF_API_VERSION", "pattern"),
            ({"SF_API_VERSION": "v63.0"}, "SF_API_VERSION", "pattern"),
            ({"SF_INSTANCE_URL": "http://x.example"}, "SF_INSTANCE_URL", "https://"),
        ],
    )
    def test_one_bad_value(self, env: dict[str, str], variable: str, fragment: str) -> None:
        with pytest.raises(ConfigError) as exc:
            load_config(None, env)
        message = str(exc.value)
        assert f"  - {variable}: " in message
        assert fragment in message

    def test_several_bad_values_are_all_named(self) -> None:
        with pytest.raises(ConfigError) as exc:
            load_config(None, {"SF_TIMEOUT": "x", "SF_API_VERSION": "latest"})
        message = str(exc.value)
        assert "SF_TIMEOUT: " in message
        assert "SF_API_VERSION: " in message
        assert "latest" not in message  # inputs are not echoed


class TestSecretsStayHidden:
    @pytest.mark.parametrize(
        "env",
        [
            {"SF_INSTANCE_URL": INSTANCE, "SF_ACCESS_TOKEN": SECRET},
            {"SF_CONSUMER_KEY": "k", "SF_CONSUMER_SECRET": SECRET},
            {"SF_USERNAME": "u", "SF_PASSWORD": SECRET, "SF_SECURITY_TOKEN": SECRET},
        ],
    )
    def test_not_in_repr_or_str(self, env: dict[str, str]) -> None:
        settings = load_config(None, env)
        text = all_text(settings)
        assert SECRET not in text
        assert "**********" in text
        assert SECRET not in repr(settings.model_dump())

    def test_not_in_config_error_for_other_bad_values(self) -> None:
        env = {
            "SF_ACCESS_TOKEN": SECRET,
            "SF_PASSWORD": SECRET,
            "SF_SECURITY_TOKEN": SECRET,
            "SF_CONSUMER_SECRET": SECRET,
            "SF_TIMEOUT": "never",
            "SF_INSTANCE_URL": "ftp://nope",
        }
        with pytest.raises(ConfigError) as exc:
            load_config(None, env)
        assert SECRET not in str(exc.value)
        assert SECRET not in repr(exc.value)
        assert exc.value.__cause__ is None  # the validation error (which holds inputs) not chained
        assert exc.value.__context__ is None or exc.value.__suppress_context__

    def test_not_in_the_missing_login_error(self) -> None:
        settings = load_config(None, {"SF_PASSWORD": SECRET, "SF_ACCESS_TOKEN": SECRET})
        with pytest.raises(ConfigError) as exc:
            _ = settings.salesforce.auth_mode
        assert SECRET not in str(exc.value)

    def test_database_password_is_hidden(self) -> None:
        url = f"postgresql+psycopg://sync:{SECRET}@db.example:5432/sf_social"
        settings = load_config(None, {"SF_SOCIAL_DB": url})
        assert settings.db_url == url  # still usable
        text = all_text(settings)
        assert SECRET not in text
        assert "postgresql+psycopg://sync:***@db.example:5432/sf_social" in text

    def test_database_password_with_an_at_sign_is_hidden(self) -> None:
        settings = Config(state=StateConfig(url=f"postgresql://sync:{SECRET}@x@db/sf"))
        assert SECRET not in repr(settings)
        assert "postgresql://sync:***@db/sf" in repr(settings)

    def test_url_without_password_is_shown_as_is(self) -> None:
        settings = Config(state=StateConfig(url="postgresql://sync@db/sf"))
        assert "url='postgresql://sync@db/sf'" in repr(settings)

    def test_salesforce_settings_directly(self) -> None:
        sf = SalesforceSettings(access_token=SECRET, instance_url=INSTANCE)
        assert SECRET not in repr(sf)
        assert SECRET not in str(sf)


@pytest.mark.parametrize(
    "domain",
    [
        "login",
        "test",
        "acme.my",
        "acme--dev.sandbox.my",
        "acme.my.salesforce.com",
        "acme--uat.sandbox.my.salesforce.com",
        "acme.my.salesforce.mil",
        "acme.my.sfcrmproducts.cn",
    ],
)
def test_salesforce_login_hosts_are_accepted(domain: str) -> None:
    s = load_config(None, {"SF_DOMAIN": domain})
    assert s.salesforce.domain in (domain, domain.removesuffix(".salesforce.com"))


@pytest.mark.parametrize(
    "domain", ["evil.com#", "evil.example", "login.evil.com/x?", "my", "acme.my@evil.com"]
)
def test_other_login_hosts_are_refused_unless_allowed(domain: str) -> None:
    with pytest.raises(ConfigError, match="SF_DOMAIN"):
        load_config(None, {"SF_DOMAIN": domain, "SF_USERNAME": "u", "SF_PASSWORD": "p"})
    allowed = load_config(None, {"SF_DOMAIN": domain, "SF_DOMAIN_ALLOW": f"x, {domain}"})
    assert allowed.salesforce.domain == domain


@pytest.mark.parametrize("password", ["pa/ss", "p/a?s#s", "hunter2", "a@b/c"])
def test_database_passwords_are_hidden_whatever_they_hold(password: str) -> None:
    s = Config(state=StateConfig(url=f"postgresql://sync:{password}@db.example:5432/social"))
    assert password not in repr(s)
    assert "postgresql://sync:***@db.example:5432/social" in repr(s)
