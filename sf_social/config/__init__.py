"""Operator configuration: one optional TOML file plus environment variables (env wins).

::

    config = load_config(Path("/etc/sf-social/sf-social.toml"))   # or None: env only
    config.salesforce, config.db_url, config.playbook, config.model, config.sources, ...

Modules: ``model`` (the sections and their defaults), ``sources`` (``[[sources]]`` types,
the extension point for new sources), ``load`` (file + environment, errors with
``file:line``), ``durations`` (``30s``, ``5m``, ``1h``), ``tomlkeys`` (key → line).
"""

from sf_social.config.durations import Duration, format_duration, parse_duration
from sf_social.config.load import CONFIG_ENV, ENV_VARS, FEEDS_ENV, load_config
from sf_social.config.model import (
    DEFAULT_DB,
    Config,
    DaemonConfig,
    HealthConfig,
    LogFormat,
    MetricsConfig,
    PushConfig,
    StateConfig,
)
from sf_social.config.sources import (
    PLANNED_TYPES,
    SOURCE_TYPES,
    JsonlSourceConfig,
    SourceConfig,
    SourceContext,
)

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_DB",
    "ENV_VARS",
    "FEEDS_ENV",
    "PLANNED_TYPES",
    "SOURCE_TYPES",
    "Config",
    "DaemonConfig",
    "Duration",
    "HealthConfig",
    "JsonlSourceConfig",
    "LogFormat",
    "MetricsConfig",
    "PushConfig",
    "SourceConfig",
    "SourceContext",
    "StateConfig",
    "format_duration",
    "load_config",
    "parse_duration",
]
