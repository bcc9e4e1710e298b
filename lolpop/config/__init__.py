"""Configs: YAML (or Python) workflows decoded into typed records, checked before running.

`load(path, profile=None) -> Result[WorkflowConfig, ConfigError]`. Importing this module
is light (PyYAML and cattrs).
"""

from lolpop.config.converter import make_converter as make_converter
from lolpop.config.loading import load as load
from lolpop.config.loading import load_text as load_text
from lolpop.config.loading import mask_secrets as mask_secrets
from lolpop.config.records import ComponentConfig as ComponentConfig
from lolpop.config.records import DryRunBackendConfig as DryRunBackendConfig
from lolpop.config.records import LocalBackendConfig as LocalBackendConfig
from lolpop.config.records import PrefectBackendConfig as PrefectBackendConfig
from lolpop.config.records import Settings as Settings
from lolpop.config.records import WorkflowConfig as WorkflowConfig
from lolpop.config.registry import BUILTINS as BUILTINS
from lolpop.config.registry import ComponentKind as ComponentKind
from lolpop.config.registry import Registry as Registry
from lolpop.errors import ConfigError as ConfigError
from lolpop.errors import ConfigProblem as ConfigProblem

__all__ = [
    "BUILTINS",
    "ComponentConfig",
    "ComponentKind",
    "ConfigError",
    "ConfigProblem",
    "DryRunBackendConfig",
    "LocalBackendConfig",
    "PrefectBackendConfig",
    "Registry",
    "Settings",
    "WorkflowConfig",
    "load",
    "load_text",
    "make_converter",
    "mask_secrets",
]
