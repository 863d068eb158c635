"""Readers that run inside the contained child (`contained.call("crawler.attachments.readers:…")`).

Each takes the file's bytes and returns plain JSON: the text of each page (table rows as lines of
space-separated cells, so the annual-report parser reads every format alike) and, for pages that
are only an image (a scan), a cleaned grayscale PNG written to `out_dir` for OCR. Nothing here
trusts the file: the child's limits bound what it may cost, and Pillow's pixel limit refuses
decompression bombs.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

MIN_PAGE_CHARS = 20  # fewer non-space characters on a page with an image: the page is a scan
MAX_CHARS = 2_000_000
MAX_SIDE = 3500  # pixels of the longest side handed to OCR (about A4 at 300 dpi)
MIN_SIDE = 1600  # smaller scans are enlarged: Tesseract reads text of ~30 px best
MAX_PIXELS = 60_000_000  # larger images are refused (Pillow's bomb check)
_DARK = bytes(0 if v < 160 else 255 for v in range(256))


# --- PDF ------------------------------------------------------------------------------------------
def pdf_pages(data: bytes, max_pages: int = 30, out_dir: str | None = None) -> dict:
    """Text of each page (pdfplumber); pages without a text layer but with images are rendered for OCR."""
    import pdfplumber

    texts, scans = [], []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        total = len(pdf.pages)
        for i, page in enumerate(pdf.pages[:max_pages]):
            text = page.extract_text() or ""
            texts.append(text)
            if _chars(text) < MIN_PAGE_CHARS and page.images:
                scans.append(i)
    images = _render_pdf(data, scans, out_dir) if scans and out_dir else {}
    return {"pages": total, "read": len(texts), "texts": texts, "scans": images}


def _render_pdf(data: bytes, pages: list[int], out_dir: str) -> dict[str, str]:
    import pypdfium2 as pdfium

    out: dict[str, str] = {}
    pdf = pdfium.PdfDocument(data)
    try:
        for i in pages:
            page = pdf[i]
            width, height = page.get_size()
            scale = min(300 / 72, MAX_SIDE / max(width, height, 1))
            image = page.render(scale=scale, grayscale=True).to_pil()
            out[str(i)] = _save(image, out_dir, f"page{i}")
            page.close()
    finally:
        pdf.close()
    return out


# --- images ---------------------------------------------------------------------------------------
def image_pages(data: bytes, max_pages: int = 30, out_dir: str | None = None) -> dict:
    """An image file (JPEG, PNG, GIF, BMP, multi-page TIFF) as pages for OCR."""
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    scans: dict[str, str] = {}
    with Image.open(io.BytesIO(data)) as im:
        total = getattr(im, "n_frames", 1)
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            if i >= max_pages:
                break
            if out_dir:
                scans[str(i)] = _save(frame.copy(), out_dir, f"page{i}")
    return {"pages": total, "read": min(total, max_pages), "texts": [""] * min(total, max_pages), "scans": scans}


def _save(image, out_dir: str, name: str) -> str:  # noqa: ANN001 - a PIL image
    from PIL import Image, ImageFilter

    gray = image.convert("L")
    side = max(gray.size)
    if side > MAX_SIDE or side < MIN_SIDE:
        factor = (MAX_SIDE if side > MAX_SIDE else MIN_SIDE) / side
        gray = gray.resize((max(1, round(gray.width * factor)), max(1, round(gray.height * factor))),
                           Image.Resampling.LANCZOS)
    path = str(Path(out_dir) / f"{name}.png")
    remove_rules(gray).filter(ImageFilter.GaussianBlur(1.0)).save(path, dpi=(300, 300))
    return path


def remove_rules(gray):  # noqa: ANN001, ANN201 - PIL images
    """The image without the ruling lines of tables: Tesseract reads a cell border as "|" or "1"
    (turning 120 into 1120). Long horizontal runs of dark pixels are lines; vertical runs are lines
    when they are long or end on a horizontal line (cell borders), glyph strokes neither."""
    from PIL import Image

    w, h = gray.size
    data = bytearray(gray.tobytes())
    dark = bytes(data).translate(_DARK)
    horizontal: dict[int, list[tuple[int, int]]] = {}
    for y, x0, x1 in _runs(dark, w, h, max(40, w // 30)):
        horizontal.setdefault(y, []).append((x0, x1))
    columns = Image.frombytes("L", (w, h), dark).transpose(Image.Transpose.TRANSPOSE).tobytes()
    vertical = []
    for x, y0, y1 in _runs(columns, h, w, max(24, h // 80)):
        if y1 - y0 >= h // 15 or _touches(horizontal, x, y0) or _touches(horizontal, x, y1 - 1):
            vertical.append((x, y0, y1))
    for y, spans in horizontal.items():
        for x0, x1 in spans:
            data[y * w + x0:y * w + x1] = b"\xff" * (x1 - x0)
    for x, y0, y1 in vertical:
        for y in range(y0, y1):
            data[y * w + x] = 255
    return Image.frombytes("L", (w, h), bytes(data))


def _runs(buf: bytes, width: int, rows: int, min_len: int):  # noqa: ANN202
    pattern = re.compile(rb"\x00{%d,}" % min_len)
    for r in range(rows):
        row = buf[r * width:(r + 1) * width]
        for m in pattern.finditer(row):
            yield r, m.start(), m.end()


def _touches(horizontal: dict[int, list[tuple[int, int]]], x: int, y: int, slack: int = 3) -> bool:
    return any(x0 - slack <= x < x1 + slack for yy in range(y - slack, y + slack + 1)
               for x0, x1 in horizontal.get(yy, ()))


# --- Word (DOCX) and spreadsheets (XLSX) ----------------------------------------------------------
def docx_text(data: bytes) -> dict:
    """Paragraphs and table rows of a DOCX in document order (python-docx); merged cells once per row."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = etree.QName(child).localname
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                seen: list = []
                cells = []
                for cell in row.cells:
                    if any(cell._tc is s for s in seen):
                        continue
                    seen.append(cell._tc)
                    cells.append(" ".join(cell.text.split()))
                lines.append(" ".join(cells))
    text = "\n".join(lines)[:MAX_CHARS]
    return {"pages": None, "read": None, "texts": [text], "scans": {}}


def xlsx_text(data: bytes, max_rows: int = 50_000) -> dict:
    """Every sheet's rows as lines of space-separated cell values (openpyxl, read-only)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    texts, rows = [], 0
    for sheet in book.worksheets:
        lines = []
        for row in sheet.iter_rows(values_only=True):
            rows += 1
            if rows > max_rows:
                break
            cells = ["" if v is None else str(v) for v in row]
            if any(cells):
                lines.append(" ".join(c for c in cells if c))
        texts.append(f"{sheet.title}\n" + "\n".join(lines))
    book.close()
    return {"pages": len(texts), "read": len(texts), "texts": texts, "scans": {}}


# --- OFD (GB/T 33190 版式文档) ---------------------------------------------------------------------
def ofd_pages(data: bytes, max_pages: int = 30, out_dir: str | None = None) -> dict:
    """Text of each page from its XML (TextObject/TextCode placed by position into lines); pages that
    show only an image (a scanned OFD) have that image prepared for OCR."""
    z = zipfile.ZipFile(io.BytesIO(data))
    root = _xml(z, "OFD.xml")
    doc_root = next((e.text.strip() for e in root.iter() if _local(e) == "DocRoot" and e.text), None)
    if doc_root is None:
        raise ValueError("OFD.xml 中没有 DocRoot")
    doc_path = _resolve("", doc_root)
    document = _xml(z, doc_path)
    doc_dir = posixpath.dirname(doc_path)
    media = _media(z, document, doc_dir)
    pages = [e.get("BaseLoc") for e in document.iter() if _local(e) == "Page" and e.get("BaseLoc")]
    texts, scans = [], {}
    for i, loc in enumerate(pages[:max_pages]):
        page_path = _resolve(doc_dir, loc)
        page = _xml(z, page_path)
        text, images = _ofd_page_text(page)
        texts.append(text)
        if _chars(text) < MIN_PAGE_CHARS and images and out_dir:
            from PIL import Image

            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            best = max(images, key=lambda im: im[1])  # the largest image of the page is the scan
            member = media.get(best[0])
            if member is not None:
                with Image.open(io.BytesIO(z.read(member))) as im:
                    scans[str(i)] = _save(im, out_dir, f"page{i}")
    return {"pages": len(pages), "read": len(texts), "texts": texts, "scans": scans}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _xml(z: zipfile.ZipFile, name: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(z.read(name.lstrip("/")), parser)


def _resolve(base_dir: str, loc: str) -> str:
    loc = loc.strip()
    return posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc))


def _media(z: zipfile.ZipFile, document: etree._Element, doc_dir: str) -> dict[str, str]:
    """Resource ID → zip member of each image (PublicRes / DocumentRes)."""
    out: dict[str, str] = {}
    for el in document.iter():
        if _local(el) not in ("PublicRes", "DocumentRes") or not el.text:
            continue
        res_path = _resolve(doc_dir, el.text)
        try:
            res = _xml(z, res_path)
        except KeyError:
            continue
        base = _resolve(posixpath.dirname(res_path), res.get("BaseLoc") or "")
        for mm in res.iter():
            if _local(mm) == "MultiMedia":
                file_el = next((c for c in mm if _local(c) == "MediaFile" and c.text), None)
                if file_el is not None:
                    out[mm.get("ID")] = _resolve(base, file_el.text)
    return out


def _deltas(spec: str | None) -> list[float]:
    """DeltaX/DeltaY: numbers, with "g N d" meaning N times d (GB/T 33190 §11.3)."""
    out: list[float] = []
    tokens = (spec or "").split()
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            out += [float(tokens[i + 2])] * int(float(tokens[i + 1]))
            i += 3
        else:
            out.append(float(tokens[i]))
            i += 1
    return out


def _ofd_page_text(page: etree._Element) -> tuple[str, list[tuple[str, float]]]:
    pieces: list[tuple[float, float, float, float, str]] = []  # (y, x, end_x, size, text)
    images: list[tuple[str, float]] = []
    for obj in page.iter():
        name = _local(obj)
        if name == "ImageObject" and obj.get("ResourceID"):
            box = [float(v) for v in (obj.get("Boundary") or "0 0 0 0").split()[:4]]
            images.append((obj.get("ResourceID"), box[2] * box[3] if len(box) == 4 else 0.0))
        if name != "TextObject":
            continue
        box = [float(v) for v in (obj.get("Boundary") or "0 0 0 0").split()[:4]]
        size = float(obj.get("Size") or 3.5)
        x, y = 0.0, 0.0
        for code in obj:
            if _local(code) != "TextCode" or not code.text:
                continue
            x = float(code.get("X", x))
            y = float(code.get("Y", y))
            text = code.text
            deltas = _deltas(code.get("DeltaX"))
            if deltas:
                width = sum(deltas[:max(0, len(text) - 1)]) + size
            else:  # no DeltaX: full-width CJK advances one em, Latin and digits about half
                width = sum(size if ord(c) > 0x2E80 else 0.5 * size for c in text)
            pieces.append((box[1] + y, box[0] + x, box[0] + x + width, size, text))
    lines: list[list[tuple[float, float, float, float, str]]] = []
    for piece in sorted(pieces):
        if lines and abs(piece[0] - lines[-1][0][0]) <= 0.5 * piece[3]:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    out = []
    for line in lines:
        line.sort(key=lambda p: p[1])
        words = [line[0][4]]
        for prev, cur in zip(line, line[1:]):
            words.append((" " if cur[1] - prev[2] > 0.3 * cur[3] else "") + cur[4])
        out.append("".join(words))
    return "\n".join(out), images


def _chars(text: str) -> int:
    return len(re.sub(r"\s", "", text or ""))
