#!/usr/bin/env python3
"""Generates `sample-viewport.png`: a CAD-viewport-like view of a small two-storey house.

The picture stands in for what a SketchUp/Revit/Rhino plugin captures from the viewport: flat
shaded faces, dark edges, a ground grid and the coloured model axes. It is bundled with the CLI's
`renderiq demo` and used by the examples and tests. Deterministic; needs only Pillow:

    python3 examples/assets/generate_sample_viewport.py [OUT.png]

Byte for byte reproducible with Pillow 13.0.0, which `scripts/regenerate.sh` installs in a venv
(`scripts/check-generated.sh` regenerates it into a temporary folder and compares).
"""
import math
import os
import sys

from PIL import Image, ImageDraw, ImageFilter

W, H = 1280, 720
SS = 2  # supersampling factor, for anti-aliased edges
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "sample-viewport.png")

# ---- camera (right-handed, z up) ----------------------------------------------------------------
EYE = (-14.0, -19.0, 7.5)
TARGET = (4.0, 3.0, 2.6)
FOV = math.radians(52)


def sub(a, b):
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def norm(a):
    n = math.sqrt(dot(a, a))
    return (a[0] / n, a[1] / n, a[2] / n)


FWD = norm(sub(TARGET, EYE))
RIGHT = norm(cross(FWD, (0, 0, 1)))
UP = cross(RIGHT, FWD)
FOCAL = (W * SS / 2) / math.tan(FOV / 2)


def project(p):
    d = sub(p, EYE)
    x, y, z = dot(d, RIGHT), dot(d, UP), dot(d, FWD)
    z = max(z, 0.05)
    return (W * SS / 2 + FOCAL * x / z, H * SS / 2 - FOCAL * y / z), z


def depth(points):
    return sum(dot(sub(p, EYE), FWD) for p in points) / len(points)


LIGHT = norm((-0.45, -0.7, 0.9))


def shade(rgb, normal, ambient=0.55):
    k = ambient + (1 - ambient) * max(0.0, dot(norm(normal), LIGHT))
    return tuple(min(255, int(c * k)) for c in rgb)


faces = []  # (layer, depth, polygon3d, fill, edge)
LAYER = [1]  # faces of layer 0 (the ground slab) are drawn before everything else


def quad(pts, rgb, edge=(40, 42, 48), lit=True):
    n = cross(sub(pts[1], pts[0]), sub(pts[2], pts[0]))
    centre = tuple(sum(p[i] for p in pts) / len(pts) for i in range(3))
    if dot(n, sub(EYE, centre)) <= 0:  # back face
        return
    fill = shade(rgb, n) if lit else rgb
    faces.append((LAYER[0], depth(pts), pts, fill, edge))


def box(x0, y0, z0, x1, y1, z1, rgb, edge=(40, 42, 48)):
    p = lambda x, y, z: (x, y, z)
    quad([p(x0, y0, z1), p(x1, y0, z1), p(x1, y1, z1), p(x0, y1, z1)], rgb, edge)  # top
    quad([p(x0, y0, z0), p(x0, y1, z0), p(x1, y1, z0), p(x1, y0, z0)], rgb, edge)  # bottom
    quad([p(x0, y0, z0), p(x1, y0, z0), p(x1, y0, z1), p(x0, y0, z1)], rgb, edge)  # front (-y)
    quad([p(x1, y1, z0), p(x0, y1, z0), p(x0, y1, z1), p(x1, y1, z1)], rgb, edge)  # back (+y)
    quad([p(x0, y1, z0), p(x0, y0, z0), p(x0, y0, z1), p(x0, y1, z1)], rgb, edge)  # left (-x)
    quad([p(x1, y0, z0), p(x1, y1, z0), p(x1, y1, z1), p(x1, y0, z1)], rgb, edge)  # right (+x)


def window_front(x0, x1, z0, z1, y, rgb=(92, 124, 150)):
    """A glazed opening on a wall facing -y, slightly proud of it, with a frame line."""
    quad([(x0, y, z0), (x1, y, z0), (x1, y, z1), (x0, y, z1)], rgb, (30, 34, 40))
    mid = (x0 + x1) / 2
    quad([(mid - 0.03, y - 0.01, z0), (mid + 0.03, y - 0.01, z0), (mid + 0.03, y - 0.01, z1),
          (mid - 0.03, y - 0.01, z1)], (200, 200, 196), None)


def window_left(y0, y1, z0, z1, x, rgb=(84, 114, 140)):
    quad([(x, y1, z0), (x, y0, z0), (x, y0, z1), (x, y1, z1)], rgb, (30, 34, 40))


WALL = (236, 233, 226)
TIMBER = (176, 132, 92)
CONCRETE = (190, 190, 186)
ROOF = (98, 100, 104)

# Plinth/terrace, ground floor, cantilevered timber upper floor, roof slab.
LAYER[0] = 0
box(-1.0, -2.5, 0.0, 12.0, 8.0, 0.25, CONCRETE)
LAYER[0] = 1
box(0.0, 0.0, 0.25, 9.0, 7.0, 3.25, WALL)
box(-1.5, -1.2, 3.25, 7.5, 7.0, 6.0, TIMBER)
box(-1.9, -1.6, 6.0, 7.9, 7.4, 6.35, ROOF)
box(9.0, 0.4, 0.25, 11.6, 6.5, 2.4, WALL)  # garage wing

# Ground floor glazing (front wall at y = 0, left wall at x = 0).
for x0 in (0.6, 3.2, 5.8):
    window_front(x0, x0 + 2.2, 0.45, 2.9, -0.02)
window_left(0.8, 3.0, 0.45, 2.9, -0.02)
window_left(4.0, 6.2, 1.2, 2.9, -0.02)
# Upper floor ribbon window and a tall corner window.
window_front(-0.6, 6.6, 4.1, 5.5, -1.22, (78, 108, 134))
window_left(-0.6, 2.6, 3.7, 5.7, -1.52, (78, 108, 134))
# Garage door.
quad([(9.5, 0.38, 0.25), (11.1, 0.38, 0.25), (11.1, 0.38, 2.0), (9.5, 0.38, 2.0)], (150, 150, 146), (30, 34, 40))

# Simple trees: trunk boxes with stacked "canopy" boxes, SketchUp-component style.
for tx, ty, s in ((-6.0, 3.0, 1.0), (14.5, -1.0, 1.25), (-4.0, 10.0, 0.9), (16.0, 9.0, 1.1)):
    box(tx - 0.15, ty - 0.15, 0.0, tx + 0.15, ty + 0.15, 2.0 * s, (110, 86, 60))
    box(tx - 1.2 * s, ty - 1.2 * s, 1.8 * s, tx + 1.2 * s, ty + 1.2 * s, 3.6 * s, (112, 150, 92))
    box(tx - 0.8 * s, ty - 0.8 * s, 3.6 * s, tx + 0.8 * s, ty + 0.8 * s, 4.6 * s, (124, 162, 100))

# A scale figure.
box(2.0, -4.2, 0.0, 2.45, -3.9, 1.75, (70, 80, 96))

# ---- draw -----------------------------------------------------------------------------------------
img = Image.new("RGB", (W * SS, H * SS))
d = ImageDraw.Draw(img)

# Sky: vertical gradient, computed per row.
horizon_y = project((EYE[0] + FWD[0] * 1e4, EYE[1] + FWD[1] * 1e4, 0.0))[0][1]
for y in range(H * SS):
    t = min(1.0, max(0.0, y / max(1.0, horizon_y)))
    top, bottom = (150, 186, 222), (226, 234, 242)
    col = tuple(int(top[i] + (bottom[i] - top[i]) * t) for i in range(3))
    if y > horizon_y:
        g = min(1.0, (y - horizon_y) / (H * SS - horizon_y + 1))
        a, b = (196, 200, 186), (168, 178, 150)
        col = tuple(int(a[i] + (b[i] - a[i]) * g) for i in range(3))
    d.line([(0, y), (W * SS, y)], fill=col)

# Ground grid (model units: 2 m).
for i in range(-30, 42, 2):
    a, _ = project((i, -30.0, 0.0))
    b, _ = project((i, 60.0, 0.0))
    d.line([a, b], fill=(182, 186, 172), width=SS)
    a, _ = project((-30.0, i, 0.0))
    b, _ = project((60.0, i, 0.0))
    d.line([a, b], fill=(182, 186, 172), width=SS)

# Model axes (red x, green y, blue z), as CAD viewports show them.
o, _ = project((0.0, 0.0, 0.0))
for axis, col in (((40.0, 0, 0), (200, 40, 40)), ((0, 40.0, 0), (40, 150, 60)), ((0, 0, 12.0), (50, 70, 200))):
    e, _ = project(axis)
    d.line([o, e], fill=col, width=SS)

# Soft shadow of the building on the ground.
shadow = Image.new("L", img.size, 0)
sd = ImageDraw.Draw(shadow)
offset = (2.4, 3.2)
pts = [project((x + offset[0], y + offset[1], 0.01))[0] for x, y in ((-1.9, -1.6), (7.9, -1.6), (11.0, 2.0), (11.0, 7.4), (-1.9, 7.4))]
sd.polygon(pts, fill=110)
shadow = shadow.filter(ImageFilter.GaussianBlur(12 * SS))
img.paste((60, 64, 58), mask=shadow)

for _, _, pts, fill, edge in sorted(faces, key=lambda f: (f[0], -f[1])):
    poly = [project(p)[0] for p in pts]
    d.polygon(poly, fill=fill)
    if edge is not None:
        d.line(poly + [poly[0]], fill=edge, width=max(1, int(1.5 * SS)), joint="curve")

# Viewport chrome: a thin frame and a scene-tab-like label.
d.rectangle([0, 0, W * SS - 1, H * SS - 1], outline=(90, 90, 90), width=SS)
d.rectangle([12 * SS, 12 * SS, 150 * SS, 34 * SS], fill=(245, 245, 245), outline=(120, 120, 120))
d.text((20 * SS, 16 * SS), "Scene 1", fill=(40, 40, 40), font_size=14 * SS)

img = img.resize((W, H), Image.LANCZOS)
img.save(OUT, optimize=True)
print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")
