"""Renderiq Render: AI renders of the active camera or viewport, from Blender's sidebar.

Installs as a Blender 4.2+ extension (``blender_manifest.toml``, the ``renderiq`` wheel is
bundled and installed by Blender) and also loads as a legacy add-on (``bl_info`` below; the
bundled wheel is unpacked by :mod:`.vendor`).
"""

bl_info = {
    "name": "Renderiq Render",
    "author": "Renderiq",
    "version": (0, 1, 0),
    "blender": (4, 2, 0),
    "location": "3D Viewport > Sidebar > Renderiq",
    "description": "Render the active camera or viewport with Renderiq's AI renderer",
    "doc_url": "https://renderiq.io/docs/blender",
    "category": "Render",
}


def register() -> None:
    from . import vendor

    vendor.ensure_renderiq()
    from . import addon

    addon.register()


def unregister() -> None:
    from . import addon

    addon.unregister()
