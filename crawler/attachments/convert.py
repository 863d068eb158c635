"""An attachment's bytes → its text, whatever the format, every parser and tool contained.

| kind | how | tool |
|---|---|---|
| `pdf` | text layer (pdfplumber); pages without one but with an image are rendered (pypdfium2) and OCR'd | tesseract chi_sim |
| `docx`, `xlsx` | python-docx / openpyxl, after the zip inflation check | — |
| `doc`, `wps` | LibreOffice headless converts to DOCX (Kingsoft .wps files are Word 97 documents inside), then as DOCX | soffice |
| `ofd` | the OFD's own XML (GB/T 33190: TextObject/TextCode placed by position); image-only pages OCR'd | tesseract chi_sim |
| `image` | OCR (JPEG, PNG, GIF, BMP, TIFF pages) | tesseract chi_sim |

The result is an `AttachmentText`: `ok` with the text (and how it was read), `no_text` (read, but
nothing written in it: a blank scan), or `unreadable` with the reason (a broken or hostile file, a
limit hit, a tool not installed) — which callers report as `not_measured` / `unparsed`, never as
a defect of the site. Results are cached by content, so a file two gatherers need is read once.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from crawler.attachments import ocr
from crawler.attachments.contained import Limits, call, program, run_tool
from crawler.attachments.zipcheck import members, zip_problem

READER = "crawler.attachments.readers"
LIMITS = Limits(cpu_s=60, memory_mb=1024, wall_s=120, pages=int(os.environ.get("GOVAUDIT_ATTACHMENT_PAGES", "30")))
OFFICE_LIMITS = Limits(cpu_s=90, memory_mb=1536, wall_s=150)
MAX_TEXT = 500_000  # characters kept per attachment
KINDS = ("pdf", "docx", "doc", "wps", "ofd", "xlsx", "image")
_EXT = {".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".wps": "wps", ".ofd": "ofd", ".xlsx": "xlsx",
        ".jpg": "image", ".jpeg": "image", ".png": "image", ".gif": "image", ".bmp": "image", ".tif": "image",
        ".tiff": "image", ".webp": "image"}


@dataclass
class AttachmentText:
    status: str  # ok | no_text | unreadable
    kind: str
    text: str = ""
    method: str | None = None  # text | docx | xlsx | libreoffice | ofd | ocr | text+ocr | libreoffice+docx
    pages: int | None = None  # pages the file has (when it says)
    pages_read: int | None = None
    scan_pages: int = 0  # pages that are only an image (OCR was needed)
    ocr_pages: int = 0  # of those, pages OCR read
    ocr_mean_conf: float | None = None
    doubtful: list[str] = field(default_factory=list)  # numbers OCR read with low confidence
    detail: str | None = None  # the reason when not ok; what was left unread when ok
    elapsed_s: float = 0.0

    @property
    def summary(self) -> str:
        """One line for reports and evidence: how the text was read."""
        if self.status != "ok":
            return f"{self.kind}：{self.detail}"
        parts = [f"{self.kind} 经 {self.method} 读取"]
        if self.pages_read is not None:
            parts.append(f"{self.pages_read}/{self.pages} 页" if self.pages else f"{self.pages_read} 页")
        if self.ocr_pages:
            parts.append(f"其中 {self.ocr_pages} 页 OCR（tesseract {ocr.LANG}，平均置信度 {self.ocr_mean_conf}）")
        if self.detail:
            parts.append(self.detail)
        return "，".join(parts)


def attachment_kind(data: bytes, url: str = "", content_type: str | None = None) -> str:
    """The file's kind from its bytes first (sites serve PDFs as .html and images as .pdf), then its name."""
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    ext = next((k for e, k in _EXT.items() if path.endswith(e)), None)
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        names = members(data)
        if "OFD.xml" in names or "ofd.xml" in {n.lower() for n in names}:
            return "ofd"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return ext if ext in ("ofd", "docx", "xlsx") else "other"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: Word 97 (.doc), Kingsoft WPS (.wps) …
        if _WORD_STREAM not in data[:1 << 20] and ext not in ("doc", "wps"):
            return "other"  # an Excel 97 or PowerPoint file: its directory has no WordDocument stream
        return "wps" if ext == "wps" else "doc"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")) or \
            head[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image"
    if ext:
        return ext
    ctype = (content_type or "").lower()
    for needle, kind in (("pdf", "pdf"), ("wordprocessingml", "docx"), ("msword", "doc"), ("ofd", "ofd"),
                         ("spreadsheetml", "xlsx"), ("image/", "image")):
        if needle in ctype:
            return kind
    return "other"


_WORD_STREAM = "WordDocument".encode("utf-16-le")
_CACHE: OrderedDict[str, AttachmentText] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 64
# One conversion at a time per audit process: each is CPU-bound and the machine has few cores.
EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attachments")


def read_attachment(data: bytes, kind: str | None = None, *, url: str = "", content_type: str | None = None,
                    limits: Limits = LIMITS) -> AttachmentText:
    """The text of one attachment (see the module docstring); never raises for what the file does."""
    kind = kind or attachment_kind(data, url, content_type)
    key = hashlib.sha1(kind.encode() + b"\0" + data).hexdigest()
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    started = time.monotonic()
    result = _read(data, kind, limits)
    result.elapsed_s = round(time.monotonic() - started, 2)
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


async def read_attachment_async(data: bytes, kind: str | None = None, **kw) -> AttachmentText:
    """`read_attachment` off the event loop (Scrapy callbacks): the crawl goes on while a file is read."""
    import asyncio
    import functools

    return await asyncio.get_running_loop().run_in_executor(
        EXECUTOR, functools.partial(read_attachment, data, kind, **kw))


def _read(data: bytes, kind: str, limits: Limits) -> AttachmentText:
    if not data:
        return AttachmentText("unreadable", kind, detail="文件为空 / empty file")
    if kind not in KINDS:
        return AttachmentText("unreadable", kind, detail=f"不支持的附件格式（{kind}） / unsupported format")
    if kind in ("docx", "xlsx", "ofd") and (problem := zip_problem(data)):
        return AttachmentText("unreadable", kind, detail=problem)
    with tempfile.TemporaryDirectory(prefix="ga-attach-") as tmp:
        if kind in ("doc", "wps"):
            return _office(data, kind, tmp, limits)
        target = {"pdf": "pdf_pages", "ofd": "ofd_pages", "image": "image_pages", "docx": "docx_text",
                  "xlsx": "xlsx_text"}[kind]
        kwargs = {"max_pages": limits.pages, "out_dir": tmp} if kind in ("pdf", "ofd", "image") else {}
        out = call(f"{READER}:{target}", data, limits, **kwargs)
        if not out.ok:
            return AttachmentText("unreadable", kind, detail=f"{kind} 文件无法读取：{out.reason}"[:300])
        method = {"pdf": "text", "ofd": "ofd", "image": "ocr", "docx": "docx", "xlsx": "xlsx"}[kind]
        return _pages(out.value, kind, method, limits)


def _office(data: bytes, kind: str, tmp: str, limits: Limits) -> AttachmentText:
    """.doc/.wps → DOCX with LibreOffice headless (its own profile, so conversions never share state)."""
    soffice = program("soffice") or program("libreoffice")
    if soffice is None:
        return AttachmentText("unreadable", kind, detail=f"未安装 LibreOffice（Debian：libreoffice-writer-nogui），"
                                                         f"无法读取 .{kind} / no LibreOffice")
    src = Path(tmp) / f"in.{kind}"
    src.write_bytes(data)
    out_dir = Path(tmp) / "out"
    run = run_tool([soffice, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation=file://{tmp}/profile",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(src)], OFFICE_LIMITS,
                   cwd=tmp, env={**os.environ, "HOME": tmp})
    converted = out_dir / "in.docx"
    if not run.ok or not converted.exists():
        why = run.reason if not run.ok else "LibreOffice 未能转换（文件损坏或不是 Word 文档）"
        return AttachmentText("unreadable", kind, detail=f".{kind} 文件无法读取：{why}"[:300])
    body = converted.read_bytes()
    out = call(f"{READER}:docx_text", body, limits)
    if not out.ok:
        return AttachmentText("unreadable", kind, detail=f".{kind} 转换结果无法读取：{out.reason}"[:300])
    return _pages(out.value, kind, "libreoffice", limits)


def _pages(value: dict, kind: str, method: str, limits: Limits) -> AttachmentText:
    """Merge the reader's page texts with the OCR of its scanned pages, in page order."""
    texts: list[str] = list(value.get("texts") or [])
    scans: dict[str, str] = value.get("scans") or {}
    missing = sorted(int(i) for i in scans)
    confs, doubtful, failed, errors = [], [], [], []
    why_not = ocr.unavailable() if scans else None
    for i in missing:
        page = ocr.OcrPage(error=why_not) if why_not else ocr.ocr_page(scans[str(i)])
        if page.error:
            failed.append(i)
            errors.append(page.error)
            continue
        texts[i] = page.text
        if page.mean_conf is not None:
            confs.append(page.mean_conf)
        doubtful += page.doubtful
    read_ocr = len(missing) - len(failed)
    if read_ocr and method == "text":
        method = "text+ocr" if any(_chars(t) for i, t in enumerate(texts) if str(i) not in scans) else "ocr"
    elif read_ocr and method == "ofd":
        method = "ofd+ocr"
    text = "\n".join(texts)[:MAX_TEXT]
    pages, read = value.get("pages"), value.get("read")
    notes = []
    if pages and read is not None and read < pages:
        notes.append(f"只读了前 {read} 页（上限 {limits.pages}）")
    if failed:
        notes.append(f"{len(failed)} 页扫描页未能识别：{errors[0]}")
    result = AttachmentText("ok", kind, text=text, method=method, pages=pages, pages_read=read,
                            scan_pages=len(missing), ocr_pages=read_ocr,
                            ocr_mean_conf=round(sum(confs) / len(confs), 1) if confs else None,
                            doubtful=doubtful[:50], detail="；".join(notes) or None)
    if _chars(text) == 0:
        if failed:
            result.status, result.detail = "unreadable", f"扫描件未能识别：{notes[-1]}"
        else:
            result.status = "no_text"
            result.detail = "扫描件经 OCR 未识别出文字" if missing else "文件中没有文字"
    return result


def _chars(text: str) -> int:
    return len(re.sub(r"\s", "", text or ""))
