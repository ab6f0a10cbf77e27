"""Packages the Blender extension: bundles the renderiq wheel(s) and builds the .zip.

    python examples/blender/build.py                      # builds the wheel (maturin, release)
    python examples/blender/build.py --wheel dist/renderiq-0.1.0-cp39-abi3-*.whl [--wheel ...]
    python examples/blender/build.py --out dist/

Stages a copy of ``renderiq_render/`` under the output folder (the source tree is not changed),
copies the wheels into its ``wheels/``, writes their names into its ``blender_manifest.toml``'s
``wheels`` list, then builds the extension with Blender's own tool
(``blender --command extension build``, or the copy of ``blender_ext.py`` inside the ``bpy``
package); without either it zips the folder itself. A release bundles one abi3 wheel per platform
(win_amd64, macosx arm64/x86_64, manylinux x86_64): pass every ``--wheel``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ADDON = HERE / "renderiq_render"  # the source; never modified
REPO = HERE.parents[1]
BINDING = REPO / "bindings" / "python"


def build_wheel(out: Path) -> Path:
    subprocess.run(
        ["maturin", "build", "--release", "--out", str(out)],
        cwd=BINDING,
        check=True,
        env={**__import__("os").environ, "CARGO_TARGET_DIR": str(REPO / "target")},
    )
    wheels = sorted(out.glob("renderiq-*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        raise SystemExit(f"maturin wrote no wheel to {out}")
    return wheels[-1]


def set_manifest_wheels(addon: Path, names: "list[str]") -> None:
    manifest = addon / "blender_manifest.toml"
    text = manifest.read_text()
    listing = "wheels = [\n" + "".join(f'  "./wheels/{n}",\n' for n in names) + "]"
    new, count = re.subn(r"^wheels = \[.*?\]", listing, text, count=1, flags=re.S | re.M)
    if count != 1:
        raise SystemExit("blender_manifest.toml has no `wheels = [...]` list")
    manifest.write_text(new)


def blender_ext_tool() -> "list[str] | None":
    if shutil.which("blender"):
        return ["blender", "--factory-startup", "--command", "extension"]
    try:
        import importlib.util

        spec = importlib.util.find_spec("bpy")
    except ImportError:
        spec = None
    if spec and spec.origin:
        found = sorted(Path(spec.origin).parent.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
        if found:
            return [sys.executable, str(found[-1])]
    return None


def zip_extension(addon: Path, out_dir: Path) -> Path:
    version = re.search(r'^version = "([^"]+)"', (addon / "blender_manifest.toml").read_text(), re.M)
    target = out_dir / f"renderiq_render-{version.group(1) if version else '0'}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(addon.rglob("*")):
            rel = path.relative_to(addon)
            if path.is_dir() or "__pycache__" in rel.parts or rel.parts[0] in ("_vendor", "tests"):
                continue
            zf.write(path, rel.as_posix())
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", action="append", type=Path, help="a renderiq wheel to bundle (repeatable)")
    parser.add_argument("--out", type=Path, default=REPO / "target" / "blender", help="output folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    wheels = args.wheel or [build_wheel(REPO / "target" / "wheels")]
    stage = args.out / "stage" / "renderiq_render"
    if stage.exists():
        shutil.rmtree(stage)
    shutil.copytree(ADDON, stage, ignore=shutil.ignore_patterns("__pycache__", "_vendor", "wheels", "*.pyc"))
    (stage / "wheels").mkdir()
    for wheel in wheels:
        shutil.copy2(wheel, stage / "wheels" / wheel.name)
    set_manifest_wheels(stage, [w.name for w in wheels])

    for old in args.out.glob("renderiq_render-*.zip"):
        old.unlink()
    tool = blender_ext_tool()
    if tool:
        subprocess.run(
            [*tool, "build", "--source-dir", str(stage), "--output-dir", str(args.out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        built = sorted(args.out.glob("renderiq_render-*.zip"), key=lambda p: p.stat().st_mtime)[-1]
    else:
        built = zip_extension(stage, args.out)
    print(built)


if __name__ == "__main__":
    main()
