"""Validate a compose file offline: the Compose Specification schema, then what it cannot see.

    .venv/bin/python scripts/check_compose.py compose.yaml      (`make test` runs this)

The schema is the one check-jsonschema ships (vendored from the compose-spec project), so no
Docker engine or docker-compose binary is needed. A schema says nothing about references
between parts of the file, so those are checked here, as `docker compose config` would.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, $VAR, $$.
# A nested ${...} inside a default is valid Compose but not used here; it would be refused.
INTERPOLATION = re.compile(
    r"\$(?:\$|[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^${}]*)?\})")


def schema_errors(path: Path) -> list[str]:
    """Validate against the Compose Specification JSON schema (check-jsonschema's CLI)."""
    tool = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run([str(tool), "--builtin-schema", "vendor.compose-spec", str(path)],
                            capture_output=True, text=True)
    if result.returncode == 0:
        return []
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def _strings(node, where: str):
    """Yield (location, text) for every string in the document, keys included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key, where)
            yield from _strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{where}[{index}]")
    elif isinstance(node, str):
        yield where, node


def interpolation_errors(document: dict) -> list[str]:
    """Every `$` must start a variable reference Compose understands, or be escaped as `$$`."""
    errors = []
    for where, text in _strings(document, "$"):
        rest = INTERPOLATION.sub("", text)
        if "$" in rest:
            errors.append(f"{where}: bad variable reference in {text!r} (write $$ for a literal $)")
    return errors


def _depends_on(service: dict) -> list[str]:
    depends = service.get("depends_on") or []
    return list(depends) if isinstance(depends, dict | list) else []


def _named_volumes(service: dict) -> list[str]:
    names = []
    for volume in service.get("volumes") or []:
        source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":")[0]
        kind = volume.get("type", "volume") if isinstance(volume, dict) else "volume"
        if kind == "volume" and source and not source.startswith(("/", ".", "~", "$")):
            names.append(source)
    return names


def _env_files(service: dict) -> list[str]:
    env_file = service.get("env_file") or []
    files = [env_file] if isinstance(env_file, str | dict) else env_file
    return [item["path"] if isinstance(item, dict) else item for item in files]


def reference_errors(document: dict, base: Path) -> list[str]:
    """Names used by services must exist: services, named volumes, env files, build contexts."""
    services = document.get("services") or {}
    volumes = document.get("volumes") or {}
    errors = []
    for name, service in services.items():
        service = service or {}
        for other in _depends_on(service):
            if other not in services:
                errors.append(f"services.{name}.depends_on: no service named {other!r}")
        for volume in _named_volumes(service):
            if volume not in volumes:
                errors.append(f"services.{name}.volumes: named volume {volume!r} is not declared "
                              "under the top-level volumes")
        for env_file in _env_files(service):
            if not (base / env_file).is_file():
                errors.append(f"services.{name}.env_file: {env_file} does not exist")
        build = service.get("build")
        context = build.get("context", ".") if isinstance(build, dict) else build
        if context is not None and not (base / context).is_dir():
            errors.append(f"services.{name}.build: context {context} is not a directory")
    return errors


def compose_errors(path: Path) -> list[str]:
    """Every problem found in the compose file; empty when it is valid."""
    errors = schema_errors(path)
    if errors:
        return errors
    document = yaml.safe_load(path.read_text())
    return interpolation_errors(document) + reference_errors(document, path.parent)


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "compose.yaml")
    errors = compose_errors(path)
    for error in errors:
        print(f"check-compose: {path}: {error}", file=sys.stderr)
    if errors:
        return 1
    print(f"check-compose: {path} is valid (Compose Specification schema, references, "
          "env files, interpolation)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
