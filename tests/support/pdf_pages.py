"""PDF pages as images (PyMuPDF), as a printer would put them on paper: for reading QR codes off them."""

from __future__ import annotations

import io

import pymupdf
from PIL import Image


def page_images(pdf: bytes, dpi: int = 150) -> list[Image.Image]:
    """Every page of the PDF rendered at `dpi`."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return [
            Image.open(io.BytesIO(page.get_pixmap(dpi=dpi).tobytes("png"))).convert("RGB") for page in doc
        ]
