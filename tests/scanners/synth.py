"""Synthetic camera-like images of GS1 symbols (Pillow only), shared by tests and the benchmark."""

import random
import re

from PIL import Image, ImageFilter


def symbol_image(png: Image.Image, module_px: int, modules: int) -> Image.Image:
    """Rescale a 1-pixel-per-module symbol image to ``module_px`` pixels per module."""
    del modules
    return png.resize((png.width * module_px, png.height * module_px), Image.Resampling.NEAREST)


def frame(symbol: Image.Image, *, size: tuple[int, int] = (640, 480), angle: float = 0,
          blur: float = 0, noise: float = 0, contrast: tuple[int, int] = (0, 255),
          offset: tuple[int, int] | None = None, seed: int = 0) -> Image.Image:
    """Place ``symbol`` (mode L) on a light, slightly uneven background, then rotate, blur,
    add Gaussian noise of ``noise`` sigma and map black/white to ``contrast`` levels."""
    rng = random.Random(seed)
    sym = symbol.convert("L")
    if angle:
        sym = sym.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    background = Image.linear_gradient("L").resize(size).point(lambda v: 255 - v // 8)
    canvas = background.copy()
    if offset is None:
        offset = (rng.randint(0, max(0, size[0] - sym.width)),
                  rng.randint(0, max(0, size[1] - sym.height)))
    mask = sym.point(lambda v: 255 if v < 128 else 0)
    canvas.paste(0, offset, mask)
    low, high = contrast
    canvas = canvas.point(lambda v: low + (high - low) * v // 255)
    if blur:
        canvas = canvas.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        grain = Image.effect_noise(size, noise)
        canvas = Image.blend(canvas, grain, 0.5).point(lambda v: min(255, max(0, 2 * v - 128)))
    return canvas


def rasterize_svg(svg: str, px_per_unit: float) -> Image.Image:
    """Rasterize an SVG made only of axis-aligned rects (ours and python-barcode's); text is
    ignored. Units: the viewBox if present, else millimetres."""
    view = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    if view:
        width, height = float(view.group(1)), float(view.group(2))
    else:
        dims = re.search(r'<svg[^>]*width="([\d.]+)mm" height="([\d.]+)mm"', svg)
        width, height = float(dims.group(1)), float(dims.group(2))
    image = Image.new("L", (round(width * px_per_unit), round(height * px_per_unit)), 255)
    for attrs in re.findall(r"<rect([^>]*)/>", svg):
        if "white" in attrs or "#fff" in attrs or "100%" in attrs:
            continue
        get = {k: float(v) for k, v in re.findall(r'(x|y|width|height)="([\d.]+)(?:mm)?"', attrs)}
        x0, y0 = get.get("x", 0) * px_per_unit, get.get("y", 0) * px_per_unit
        box = (round(x0), round(y0), round(x0 + get["width"] * px_per_unit),
               round(y0 + get["height"] * px_per_unit))
        image.paste(0, box)
    return image
