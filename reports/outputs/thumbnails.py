"""Small JPEG copies of evidence screenshots for the outputs that embed them (XLSX, DOCX, PDF).

The findings document names each image relative to the site's report folder (`evidence/…`); the
outputs read it from OUT/<site-id>/ when they are written. A missing or unreadable file gives no
thumbnail (the output then names the file), never a failed report.
"""
from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError

QUALITY = 80


def evidence_file(out_dir: Path, site_id: str, path: str | None) -> Path | None:
    """The file an evidence path of a site names, when it is a plain relative path inside OUT/<site-id>/."""
    if not path or "://" in path or path.startswith(("/", "\\")) or ".." in Path(path).parts:
        return None
    return Path(out_dir) / site_id / path


@lru_cache(maxsize=512)
def _thumb(path: Path, mtime: float, max_w: int, max_h: int) -> tuple[bytes, int, int] | None:
    try:
        with Image.open(path) as img:
            img = img.convert("RGB")
            img.thumbnail((max_w, max_h), Image.Resampling.LANCZOS)
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=QUALITY, optimize=True)
            return buf.getvalue(), img.width, img.height
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def thumbnail(path: Path | None, max_w: int, max_h: int) -> tuple[bytes, int, int] | None:
    """(JPEG bytes, width, height) of the image at path scaled to fit max_w × max_h; None when unreadable."""
    if path is None or not path.is_file():
        return None
    return _thumb(path, path.stat().st_mtime, max_w, max_h)


def data_uri(thumb: tuple[bytes, int, int] | None) -> str | None:
    """A thumbnail as a data: URI (for the printable HTML that Chromium turns into the PDF)."""
    if thumb is None:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(thumb[0]).decode("ascii")
