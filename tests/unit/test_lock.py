"""requirements.lock (`make lock`) pins every dependency pyproject.toml names, in its range: `make setup`
installs the lock only (`--no-deps` for the project itself), so a dependency added to pyproject.toml without
`make lock` would be missing at run time."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s\\]+)", re.MULTILINE)


def _pins() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {canonicalize_name(name.split("[")[0]): version for name, version in PIN.findall(text)}


def test_every_dependency_of_pyproject_is_pinned_in_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = _pins()
    missing, outside = [], []
    for line in wanted:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"python_version": "3.11"}):
            continue
        version = pins.get(canonicalize_name(req.name))
        if version is None:
            missing.append(req.name)
        elif not req.specifier.contains(version.split("+")[0], prereleases=True):
            outside.append(f"{req.name}=={version} (wants {req.specifier})")
    assert not missing and not outside, f"run `make lock`: missing {missing}, outside {outside}"


def test_every_pin_has_a_hash() -> None:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    unhashed = [b.split()[0] for b in blocks if "==" in b.split("\n")[0] and "--hash=sha256:" not in b]
    assert not unhashed
