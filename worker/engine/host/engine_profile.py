"""The dbt profile the engine connects with, handed over by the worker.

The worker reads profiles.yml and the environment variables it refers to, and
sends both as the engine's first frame (mfgate.v1.EngineBootstrap); the
engine's confinement does not let it read the file itself, so no query can
either. `install` puts the variables into this process's environment (not
into the block the kernel shows as /proc/self/environ), keeps the profile in
memory with the warehouse guard's overrides, and makes dbt read it from
there wherever it would have read profiles.yml.
"""

import copy
import os
import sys

import yaml

import warehouse_guard


def _target_output(profiles, project_dir, target):
    """The profile output dbt will connect with (a dict), or None."""
    try:
        with open(os.path.join(project_dir, "dbt_project.yml")) as f:
            name = yaml.safe_load(f)["profile"]
        profile = profiles[name]
        return profile["outputs"][target or profile.get("target", "default")]
    except Exception:  # noqa: BLE001 - dbt reports a bad profile properly.
        return None


def install(bootstrap, project_dir, target):
    """Makes dbt use the profile in `bootstrap` (an EngineBootstrap)."""
    for name, value in bootstrap.env.items():
        os.environ[name] = value
    profiles = yaml.safe_load(bootstrap.profiles_yml.decode("utf-8")) or {}
    if not isinstance(profiles, dict):
        raise ValueError("profiles.yml does not hold a mapping of profiles")
    output = _target_output(profiles, project_dir, target)
    if isinstance(output, dict) and output.get("type") == "duckdb":
        warehouse_guard.duckdb_overrides(output)
        warehouse_guard.lock_duckdb_configuration()

    import dbt.config.profile
    original = dbt.config.profile.read_profile

    def read_profile(_profiles_dir):
        return copy.deepcopy(profiles)

    # Modules that imported the function by name hold their own reference.
    for module in list(sys.modules.values()):
        if getattr(module, "read_profile", None) is original:
            module.read_profile = read_profile
