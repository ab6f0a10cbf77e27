"""Makes ``import renderiq`` work when the add-on is installed the legacy way.

As an extension (Blender 4.2+), Blender installs the wheels listed in ``blender_manifest.toml``
itself. As a legacy add-on it does not: then the wheel bundled in ``wheels/`` that matches this
platform is unpacked once into ``_vendor/`` beside this file, which is put on ``sys.path``.
No ``bpy`` here.
"""

from __future__ import annotations

import platform
import sys
import zipfile
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent


def _platform_tag() -> str:
    machine = platform.machine().lower()
    if sys.platform == "win32":
        return "win_amd64" if machine in ("amd64", "x86_64") else "win_arm64"
    if sys.platform == "darwin":
        return "macosx"
    return "linux_x86_64" if machine in ("x86_64", "amd64") else "linux_aarch64"


def bundled_wheel(wheels: Path = HERE / "wheels") -> Optional[Path]:
    """The bundled ``renderiq`` wheel for this platform, if any."""
    tag = _platform_tag()
    for wheel in sorted(wheels.glob("renderiq-*.whl")):
        name = wheel.name
        if tag == "macosx" and "macosx" in name:
            return wheel
        if tag.startswith("linux") and "linux" in name and tag.split("_", 1)[1] in name:
            return wheel
        if tag in name:
            return wheel
    return None


def ensure_renderiq() -> None:
    """Imports ``renderiq``, unpacking the bundled wheel first if it is not installed."""
    try:
        import renderiq  # noqa: F401

        return
    except ImportError:
        pass
    wheel = bundled_wheel()
    if wheel is None:
        raise ImportError(
            "the renderiq package is not installed and no wheel for this platform is bundled in "
            f"{HERE / 'wheels'}: install the add-on as an extension (Blender 4.2+) or run "
            "`pip install renderiq` with Blender's Python"
        )
    target = HERE / "_vendor" / wheel.stem
    if not (target / "renderiq").is_dir():
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(target)
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
    import renderiq  # noqa: F401,F811
