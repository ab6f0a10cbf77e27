"""Drives the Renderiq add-on in headless Blender (the `bpy` package from PyPI), against a real
Renderiq server, exactly as Blender would, and writes what it saw as JSON.

    python run_headless.py SERVER_URL EMAIL PASSWORD RESULT_JSON [EXTENSION_ZIP]

Run by ``bindings/python/tests/test_blender_addon.py`` in its own process (``bpy`` is a whole
Blender in the interpreter). Steps: install and enable the add-on — given EXTENSION_ZIP, as an
extension: installed into the ``user_default`` repository with Blender's own ``blender_ext.py
install-files``, its bundled wheel installed by ``addon_utils.extensions_refresh``, enabled as
``bl_ext.user_default.renderiq_render``; otherwise the legacy way: its folder on ``sys.path`` +
``addon_utils.enable`` —, set its preferences, sign in with its operator, render the default
scene's camera at 160x90 with Cycles (CPU, 4 samples: works without a GPU), run the Render
operator, then call the registered ``bpy.app.timers`` function until it returns ``None``
(timers do not fire in a headless ``bpy``), and compare the loaded image with the server's
output decoded by Pillow.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("RENDERIQ_TOKEN_STORE", "memory")  # no keychain on a headless machine

import bpy  # noqa: E402  (first: it puts Blender's own modules on sys.path)
import addon_utils  # noqa: E402
import numpy as np  # noqa: E402  (ships with bpy)

ADDONS = Path(__file__).resolve().parents[1]


def raise_error(e: BaseException) -> None:
    raise e


def install_extension(zip_path: str) -> str:
    """Installs the extension zip like Blender's "Install from Disk"; returns its module name."""
    repo = Path(bpy.utils.user_resource("EXTENSIONS", path="user_default", create=True))
    tool = Path(bpy.utils.system_resource("SCRIPTS")) / "addons_core" / "bl_pkg" / "cli" / "blender_ext.py"
    subprocess.run(
        [sys.executable, str(tool), "install-files", "--local-dir", str(repo), zip_path],
        check=True,
        capture_output=True,
        text=True,
    )
    module = "bl_ext.user_default.renderiq_render"
    addon_utils.extensions_refresh(ensure_wheels=True, addon_modules_pending=[module], handle_error=raise_error)
    # Blender puts the extensions' site-packages before every other site-packages folder; `bpy`
    # as a module in a virtualenv appends it after the venv's, where a `renderiq` installed for
    # the test suite would shadow the wheel the extension bundles. Restore Blender's order.
    wheels = [p for p in sys.path if "/extensions/.local/lib/" in p.replace(os.sep, "/")]
    assert wheels, "Blender did not set up the extensions' site-packages"
    for p in wheels:
        sys.path.remove(p)
    sys.path[:0] = wheels
    assert "renderiq" not in sys.modules
    return module


def main() -> None:
    url, email, password, out = sys.argv[1:5]
    extension = sys.argv[5] if len(sys.argv) > 5 else None
    report: dict = {"blender": bpy.app.version_string}

    bpy.ops.wm.read_factory_settings(use_empty=False)
    if extension:
        MODULE = install_extension(extension)
    else:
        MODULE = "renderiq_render"
        sys.path.insert(0, str(ADDONS))
    report["module"] = MODULE
    mod = addon_utils.enable(MODULE, default_set=True, handle_error=raise_error)
    assert mod is not None, "the add-on did not enable"
    addon = importlib.import_module(f"{MODULE}.addon")  # the modules Blender just loaded

    import renderiq

    report["renderiq"] = renderiq.__file__
    prefs = bpy.context.preferences.addons[MODULE].preferences
    prefs.server_url = url
    prefs.email = email
    prefs.token_store = "MEMORY"

    scene = bpy.context.scene
    report["objects"] = sorted(o.name for o in scene.objects)
    scene.render.resolution_x, scene.render.resolution_y = 160, 90
    scene.render.resolution_percentage = 100
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = 4

    report["sign_in"] = sorted(bpy.ops.renderiq.sign_in(password=password))
    scene.renderiq.prompt = "dusk, warm light"
    scene.renderiq.quality = "standard"

    started = time.monotonic()
    report["render_op"] = sorted(bpy.ops.renderiq.render())
    report["capture_seconds"] = round(time.monotonic() - started, 2)
    report["timer_registered"] = bpy.app.timers.is_registered(addon.tick)
    job = addon.current_job()
    assert job is not None

    # What Blender's event loop would do: call the timer function after the interval it asked
    # for, until it returns None.
    calls, statuses = 0, []
    deadline = time.monotonic() + 120
    while True:
        interval = addon.tick()
        calls += 1
        if not statuses or statuses[-1] != job.status:
            statuses.append(job.status)
        if interval is None:
            break
        assert time.monotonic() < deadline, f"the job did not finish: {statuses}"
        time.sleep(interval)
    if bpy.app.timers.is_registered(addon.tick):  # Blender unregisters a timer that returns None
        bpy.app.timers.unregister(addon.tick)
    report.update(timer_calls=calls, statuses=statuses, state=job.state, error=str(job.error or ""))
    report["aspect_ratio"] = job.render.aspect_ratio if job.render else None

    image = bpy.data.images.get(addon.RESULT_IMAGE)
    report["image_loaded"] = image is not None
    if image is not None:
        w, h = image.size
        pixels = np.empty(w * h * 4, dtype=np.float32)
        image.pixels.foreach_get(pixels)
        blender = np.rint(pixels.reshape(h, w, 4)[::-1] * 255).astype(np.int16)  # bottom-up rows

        from PIL import Image

        checker = renderiq.Client(url, token_store="memory")
        checker.sign_in(email, password)
        png = checker.download_render(job.render.id)
        server = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=np.int16)
        report.update(
            image_size=[w, h],
            server_size=list(server.shape[1::-1]),
            max_diff=int(np.abs(blender - server).max()) if blender.shape == server.shape else None,
            packed=image.packed_file is not None,
            file_matches=job.result_path.read_bytes() == png,
        )

    addon_utils.disable(MODULE, default_set=True, handle_error=raise_error)
    report["disabled"] = not hasattr(bpy.types.Scene, "renderiq")
    Path(out).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
