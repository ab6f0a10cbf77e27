"""The Blender side: preferences, scene settings, operators, the sidebar panel and the
``bpy.app.timers`` function that drives a :class:`core.RenderJob` without blocking the UI."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, List, Optional

import bpy
from bpy.props import EnumProperty, PointerProperty, StringProperty

import renderiq

from . import core

#: The add-on's module name: "renderiq_render" as a legacy add-on,
#: "bl_ext.<repository>.renderiq_render" as an extension.
ADDON_ID = __package__ or "renderiq_render"

#: Name of the image datablock the result is loaded into.
RESULT_IMAGE = "Renderiq Result"

_clients = core.ClientCache(platform="blender")
_job: Optional[core.RenderJob] = None
_signed_in_as: Optional[str] = None


def preferences(context: Any = None) -> "RenderiqPreferences":
    ctx = context or bpy.context
    return ctx.preferences.addons[ADDON_ID].preferences


def client(context: Any = None) -> renderiq.Client:
    prefs = preferences(context)
    return _clients.get(prefs.server_url, core.token_store_choice(prefs.token_store))


def current_job() -> Optional[core.RenderJob]:
    return _job


# ---- preferences and settings ----------------------------------------------------------------


class RenderiqPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    server_url: StringProperty(  # type: ignore[valid-type]
        name="Server URL",
        description="The Renderiq server (your own reference server or the cloud service)",
        default=renderiq.DEFAULT_BASE_URL,
    )
    email: StringProperty(name="Email", description="Your Renderiq account")  # type: ignore[valid-type]
    token_store: EnumProperty(  # type: ignore[valid-type]
        name="Keep me signed in",
        items=[
            ("KEYCHAIN", "OS keychain", "Keep the session in the system keychain"),
            ("MEMORY", "This session only", "Forget the session when Blender quits"),
        ],
        default="KEYCHAIN",
    )

    def draw(self, context: Any) -> None:
        layout = self.layout
        layout.prop(self, "server_url")
        layout.prop(self, "email")
        layout.prop(self, "token_store")
        row = layout.row()
        if _signed_in_as:
            row.label(text=f"Signed in as {_signed_in_as}", icon="CHECKMARK")
            row.operator(RENDERIQ_OT_sign_out.bl_idname)
        else:
            row.operator(RENDERIQ_OT_sign_in.bl_idname, icon="USER")


class RenderiqSettings(bpy.types.PropertyGroup):
    prompt: StringProperty(name="Prompt", description="What the render should look like")  # type: ignore[valid-type]
    style: EnumProperty(  # type: ignore[valid-type]
        name="Style", items=[(s, s.capitalize(), "") for s in core.STYLES], default="photorealistic"
    )
    quality: EnumProperty(  # type: ignore[valid-type]
        name="Quality",
        items=[
            ("standard", "Standard (5 credits)", "Fast preview"),
            ("high", "High (10 credits)", "Presentation quality"),
            ("ultra", "Ultra (20 credits)", "Print quality"),
        ],
        default="standard",
    )
    aspect_ratio: EnumProperty(  # type: ignore[valid-type]
        name="Aspect ratio",
        items=[("AUTO", "From resolution", "The ratio nearest the scene's render resolution")]
        + [(r, r, "") for r in core.ASPECT_RATIOS],
        default="AUTO",
    )
    source: EnumProperty(  # type: ignore[valid-type]
        name="Capture",
        items=[
            ("CAMERA", "Camera render", "Render the active camera with the scene's engine"),
            ("VIEWPORT", "Viewport", "Capture the 3D viewport as shown (needs a 3D View)"),
        ],
        default="CAMERA",
    )


# ---- capturing and showing -------------------------------------------------------------------


def capture_view(context: Any, source: str = "CAMERA") -> Path:
    """Renders the active camera (or the viewport) to a temporary PNG and returns its path."""
    scene = context.scene
    if scene.camera is None and source == "CAMERA":
        raise RuntimeError("the scene has no active camera to render")
    out = Path(tempfile.mkdtemp(prefix="renderiq-")) / "view.png"
    r = scene.render
    saved = (r.filepath, r.image_settings.file_format, r.image_settings.color_mode, r.use_file_extension)
    try:
        r.filepath = str(out)
        r.image_settings.file_format = "PNG"
        r.image_settings.color_mode = "RGBA"
        r.use_file_extension = True
        area = getattr(context, "area", None)
        if source == "VIEWPORT" and area is not None and area.type == "VIEW_3D":
            bpy.ops.render.opengl(write_still=True, view_context=True)
        else:
            bpy.ops.render.render(write_still=True)
    finally:
        r.filepath, r.image_settings.file_format, r.image_settings.color_mode, r.use_file_extension = saved
    if not out.is_file():
        raise RuntimeError(f"Blender did not write the capture to {out}")
    return out


def show_result(render: Any, path: Path) -> None:
    """Loads the result into the "Renderiq Result" image and shows it in any Image Editor."""
    old = bpy.data.images.get(RESULT_IMAGE)
    if old is not None:
        bpy.data.images.remove(old)
    image = bpy.data.images.load(str(path), check_existing=False)
    image.name = RESULT_IMAGE
    image.pack()  # keep it in the .blend: the downloaded file lives in a temp folder
    wm = bpy.context.window_manager
    for window in getattr(wm, "windows", []):
        for area in window.screen.areas:
            if area.type == "IMAGE_EDITOR":
                area.spaces.active.image = image
                area.tag_redraw()


def _redraw() -> None:
    wm = bpy.context.window_manager
    for window in getattr(wm, "windows", []):
        for area in window.screen.areas:
            if area.type in ("VIEW_3D", "IMAGE_EDITOR", "PREFERENCES"):
                area.tag_redraw()


def tick() -> Optional[float]:
    """The ``bpy.app.timers`` function: advances the job; ``None`` ends the timer."""
    job = _job
    if job is None:
        return None
    interval = job.tick()
    _redraw()
    return interval


# ---- operators -------------------------------------------------------------------------------


class RENDERIQ_OT_sign_in(bpy.types.Operator):
    """Sign in to Renderiq; the session is kept in the OS keychain"""

    bl_idname = "renderiq.sign_in"
    bl_label = "Sign in"

    password: StringProperty(name="Password", subtype="PASSWORD", options={"SKIP_SAVE", "HIDDEN"})  # type: ignore[valid-type]

    def invoke(self, context: Any, event: Any) -> Any:
        return context.window_manager.invoke_props_dialog(self)

    def draw(self, context: Any) -> None:
        self.layout.label(text=preferences(context).email or "Set your email in the preferences")
        self.layout.prop(self, "password")

    def execute(self, context: Any) -> Any:
        global _signed_in_as
        prefs = preferences(context)
        try:
            user = client(context).sign_in(prefs.email, self.password)
        except renderiq.RenderiqError as e:
            self.report({"ERROR"}, str(e))
            return {"CANCELLED"}
        finally:
            self.password = ""
        _signed_in_as = user.email
        self.report({"INFO"}, f"Signed in to Renderiq as {user.email}")
        return {"FINISHED"}


class RENDERIQ_OT_sign_out(bpy.types.Operator):
    """Sign out of Renderiq and forget the session"""

    bl_idname = "renderiq.sign_out"
    bl_label = "Sign out"

    def execute(self, context: Any) -> Any:
        global _signed_in_as
        try:
            client(context).sign_out()
        except renderiq.RenderiqError as e:
            self.report({"WARNING"}, str(e))
        _signed_in_as = None
        return {"FINISHED"}


class RENDERIQ_OT_render(bpy.types.Operator):
    """Capture the view and render it with Renderiq, in the background"""

    bl_idname = "renderiq.render"
    bl_label = "Render with Renderiq"

    @classmethod
    def poll(cls, context: Any) -> bool:
        return _job is None or _job.finished

    def execute(self, context: Any) -> Any:
        global _job
        settings = context.scene.renderiq
        r = context.scene.render
        ratio = settings.aspect_ratio
        if ratio == "AUTO":
            ratio = core.nearest_aspect_ratio(r.resolution_x, r.resolution_y)
        try:
            path = capture_view(context, settings.source)
            job = core.RenderJob(
                client(context),
                str(path),
                prompt=settings.prompt,
                style=settings.style,
                quality=settings.quality,
                aspect_ratio=ratio,
                on_done=show_result,
                on_error=lambda e: print(f"Renderiq: {e}"),
            )
            job.start()
        except (renderiq.RenderiqError, RuntimeError) as e:
            self.report({"ERROR"}, str(e))
            return {"CANCELLED"}
        _job = job
        if not bpy.app.timers.is_registered(tick):
            bpy.app.timers.register(tick, first_interval=core.POLL_INTERVAL)
        self.report({"INFO"}, "Renderiq: render started")
        return {"FINISHED"}


class RENDERIQ_OT_cancel(bpy.types.Operator):
    """Cancel the running Renderiq render"""

    bl_idname = "renderiq.cancel"
    bl_label = "Cancel"

    @classmethod
    def poll(cls, context: Any) -> bool:
        return _job is not None and not _job.finished

    def execute(self, context: Any) -> Any:
        if _job is not None:
            _job.cancel()
        return {"FINISHED"}


# ---- panel -----------------------------------------------------------------------------------


class VIEW3D_PT_renderiq(bpy.types.Panel):
    bl_label = "Renderiq"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Renderiq"

    def draw(self, context: Any) -> None:
        layout = self.layout
        settings = context.scene.renderiq
        if _signed_in_as:
            layout.label(text=_signed_in_as, icon="USER")
        else:
            layout.operator(RENDERIQ_OT_sign_in.bl_idname, icon="USER")
        col = layout.column()
        col.prop(settings, "prompt")
        col.prop(settings, "style")
        col.prop(settings, "quality")
        col.prop(settings, "aspect_ratio")
        col.prop(settings, "source")
        job = _job
        if job is not None and not job.finished:
            layout.label(text=job.status, icon="TIME")
            layout.operator(RENDERIQ_OT_cancel.bl_idname, icon="CANCEL")
        else:
            layout.operator(RENDERIQ_OT_render.bl_idname, icon="RENDER_STILL")
            if job is not None:
                layout.label(text=job.status, icon="ERROR" if job.state == "failed" else "INFO")


CLASSES: List[type] = [
    RenderiqPreferences,
    RenderiqSettings,
    RENDERIQ_OT_sign_in,
    RENDERIQ_OT_sign_out,
    RENDERIQ_OT_render,
    RENDERIQ_OT_cancel,
    VIEW3D_PT_renderiq,
]


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.renderiq = PointerProperty(type=RenderiqSettings)


def unregister() -> None:
    global _job, _signed_in_as
    if bpy.app.timers.is_registered(tick):
        bpy.app.timers.unregister(tick)
    if _job is not None:
        _job.cancel()
        _job = None
    _signed_in_as = None
    _clients.reset()
    del bpy.types.Scene.renderiq
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
