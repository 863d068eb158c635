"""Generated attachments in every format: scans (Pillow → image-only PDF, PNG, scanned OFD), text OFD,
and .doc/.wps (LibreOffice converts the DOCX fixture). Nothing here is copied from a real file.

A scan is a page image as a flatbed would give it at 300 dpi: black text on white, table cells with
their ruling lines, the text large enough (44 px, about 10.5 pt) for Tesseract to read reliably.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import REQUIRE_SERVICES
from tests.disclosure import reports as rp

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
A4 = (2480, 3508)
SIZE = 44
MARGIN = 120


def need(tool: str) -> str:
    """The tool's path; skip without it — unless GOVAUDIT_REQUIRE_SERVICES=1 (CI runs `make setup`), then fail."""
    path = shutil.which(tool)
    if path is None:
        msg = f"{tool} not installed (make setup installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(msg)
        pytest.skip(msg)
    return path


class _Pages:
    def __init__(self, size: int = SIZE) -> None:
        self.font = ImageFont.truetype(FONT, size)
        self.size = size
        self.line = int(size * 1.7)
        self.pages: list[Image.Image] = []
        self.new(A4)

    def new(self, shape: tuple[int, int]) -> None:
        self.page = Image.new("L", shape, 255)
        self.draw = ImageDraw.Draw(self.page)
        self.pages.append(self.page)
        self.y = MARGIN

    def room(self, height: int) -> None:
        if self.y + height > self.page.height - MARGIN:
            self.new(self.page.size)

    def text(self, words: str) -> None:
        per_line = (self.page.width - 2 * MARGIN) // self.size
        for start in range(0, max(len(words), 1), per_line):
            self.room(self.line)
            self.draw.text((MARGIN, self.y), words[start:start + per_line], font=self.font, fill=0)
            self.y += self.line

    def table(self, rows: list[list[str]], first: float | None = None) -> None:
        """Rows of cells with ruling lines; numbers centred, labels left (cut to their cell)."""
        width = self.page.width - 2 * MARGIN
        n = max(len(r) for r in rows)
        first_w = int(width * first) if first else width // n
        rest = (width - first_w) // max(n - 1, 1)
        for row in rows:
            self.room(self.line)
            x = MARGIN
            for i, cell in enumerate(row + [""] * (n - len(row))):
                w = first_w if i == 0 else rest
                self.draw.rectangle([x, self.y, x + w, self.y + self.line], outline=0, width=2)
                fits = cell[: max(1, (w - 16) // self.size)] if not cell.replace(".", "").isdigit() else cell
                tw = self.draw.textlength(fits, font=self.font)
                left = x + (w - tw) / 2 if fits.replace(".", "").isdigit() else x + 10
                self.draw.text((left, self.y + (self.line - self.size) / 2), fits, font=self.font, fill=0)
                x += w
            self.y += self.line
        self.y += self.line // 2


def report_pages(report: rp.Report) -> list[Image.Image]:
    """The report as scanned pages: tables 2 and 3 portrait, table 4 (15 columns) on a landscape page."""
    out = _Pages()
    for kind, content in rp.blocks(report):
        if kind in ("h", "p"):
            out.text(content)
        elif len(content[0]) >= 15:  # table 4
            out.new((A4[1], A4[0]))
            out.table([["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3, *content[3:]])
            out.new(A4)
        elif len(content[0]) >= 7:  # table 3: the label column takes half the width
            out.table(content[2:], first=0.5)
        else:
            out.table(content, first=0.4)
    return out.pages


def lines_pages(lines: list[str], table: list[list[str]] | None = None) -> list[Image.Image]:
    """A scanned notice: lines of text, then an optional table."""
    out = _Pages()
    for line in lines:
        out.text(line)
    if table:
        out.table(table)
    return out.pages


def image_pdf(pages: list[Image.Image]) -> bytes:
    """An image-only PDF (no text layer) as a document scanner gives it: bilevel 300 dpi pages (CCITT G4)."""
    buf = io.BytesIO()
    bw = [p.convert("1") for p in pages]
    bw[0].save(buf, "PDF", save_all=True, append_images=bw[1:], resolution=300)
    return buf.getvalue()


def png(page: Image.Image) -> bytes:
    buf = io.BytesIO()
    page.save(buf, "PNG")
    return buf.getvalue()


# --- OFD (GB/T 33190): the OFD's XML written here, text or scanned ------------------------------------
NS = "http://www.ofdspec.org/2016"
MM = 25.4 / 300  # millimetres per pixel at 300 dpi


def _ofd(pages_xml: list[str], media: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.0" '
                              'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>govaudit-test</ofd:DocID>'
                              '</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        pages = "".join(f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                        for i in range(len(pages_xml)))
        res = '<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>' if media else ""
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}">'
                                         '<ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea>'
                                         '<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
                                         f'{res}</ofd:CommonData><ofd:Pages>{pages}</ofd:Pages></ofd:Document>')
        if media:
            items = "".join(f'<ofd:MultiMedia ID="{rid}" Type="Image"><ofd:MediaFile>{rid}.png</ofd:MediaFile>'
                            '</ofd:MultiMedia>' for rid in media)
            z.writestr("Doc_0/DocumentRes.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" '
                                                f'BaseLoc="Res"><ofd:MultiMedias>{items}</ofd:MultiMedias></ofd:Res>')
            for rid, data in media.items():
                z.writestr(f"Doc_0/Res/{rid}.png", data)
        for i, xml in enumerate(pages_xml):
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
                       f'<ofd:Layer ID="{500 + i}">{xml}</ofd:Layer></ofd:Content></ofd:Page>')
    return buf.getvalue()


def text_ofd(report: rp.Report) -> bytes:
    """The report as an OFD with a text layer: every cell a TextObject at its place (rows share a baseline)."""
    pages: list[str] = []
    objs: list[str] = []
    y, oid = 20.0, 1000
    size = 3.5

    def put(x: float, words: str) -> None:
        nonlocal oid
        oid += 1
        delta = " ".join([str(size)] * (len(words) - 1))
        objs.append(f'<ofd:TextObject ID="{oid}" Boundary="{x:.1f} {y - size:.1f} {max(len(words), 1) * size + 1:.1f} '
                    f'{size * 1.5:.1f}" Font="1" Size="{size}"><ofd:TextCode X="0" Y="{size:.1f}"'
                    + (f' DeltaX="{delta}"' if delta else "") + f">{words}</ofd:TextCode></ofd:TextObject>")

    for kind, content in rp.blocks(report):
        rows = [[content]] if kind in ("h", "p") else content
        for row in rows:
            if y > 280:
                pages.append("".join(objs))
                objs, y = [], 20.0
            n = len(row)
            first = 80.0 if n >= 7 else 190.0 / max(n, 1)
            rest = (190.0 - first) / max(n - 1, 1)
            x = 10.0
            for i, cell in enumerate(row):
                if cell:
                    put(x, cell[:60] if kind != "table" else cell[: int((first if i == 0 else rest) // size)] or cell)
                x += first if i == 0 else rest
            y += size * 1.8
    pages.append("".join(objs))
    return _ofd(pages)


def scanned_ofd(pages: list[Image.Image]) -> bytes:
    """An OFD whose pages are only images (a scan saved as OFD: bilevel 300 dpi pages, as scanners give text)."""
    media = {str(2000 + i): png(p.convert("1")) for i, p in enumerate(pages)}
    xml = [f'<ofd:ImageObject ID="{3000 + i}" Boundary="0 0 210 297" ResourceID="{2000 + i}" CTM="210 0 0 297 0 0"/>'
           for i in range(len(pages))]
    return _ofd(xml, media)


# --- Word 97 (.doc) and Kingsoft WPS (.wps) ------------------------------------------------------------
def word97(docx: bytes) -> bytes:
    """The DOCX converted to Word 97 by LibreOffice; a Kingsoft .wps file has the same inside."""
    soffice = need("soffice")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.docx"
        src.write_bytes(docx)
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/p",
                        "--convert-to", "doc:MS Word 97", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=180, env={"HOME": tmp, "PATH": "/usr/bin:/bin"})
        return (Path(tmp) / "in.doc").read_bytes()
