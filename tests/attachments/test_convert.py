"""Attachments in every format → text, each read in a contained child; what cannot be read says why."""
from __future__ import annotations

import io
import zipfile

import pytest

from checks.disclosure.arithmetic import check_report
from crawler.attachments import convert
from crawler.attachments.convert import attachment_kind, read_attachment
from crawler.attachments.readers import remove_rules
from crawler.attachments.zipcheck import zip_problem
from crawler.extractors.disclosure import annual_report as ar
from tests.attachments import scans
from tests.disclosure import reports as rp

RELATIONS = {"AR1", "AR2", "AR3", "AR4", "AR7"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    convert._CACHE.clear()
    yield
    convert._CACHE.clear()


def _relations(parsed: ar.ReportParse) -> set[str]:
    assert parsed.status == "ok", parsed.detail
    return {f["relation"] for f in check_report(parsed.tables, RELATIONS)}


def test_kind_from_the_bytes_first() -> None:
    docx = rp.to_docx(rp.make_report("示例县人民政府", 2024))
    ofd = scans.text_ofd(rp.make_report("示例县人民政府", 2024))
    assert attachment_kind(b"%PDF-1.7 ...", "http://x.gov.cn/down.html") == "pdf"  # a PDF served as .html
    assert attachment_kind(docx, "http://x.gov.cn/a.zip") == "docx"
    assert attachment_kind(ofd, "http://x.gov.cn/getfile?id=3") == "ofd"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "WordDocument".encode("utf-16-le")
    assert (attachment_kind(ole, "http://x.gov.cn/a.wps"), attachment_kind(ole, "http://x.gov.cn/a.doc")) == ("wps", "doc")
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "Workbook".encode("utf-16-le")
    assert attachment_kind(xls, "http://x.gov.cn/a.xls") == "other"  # an Excel 97 file is not read
    assert attachment_kind(xls, "http://x.gov.cn/down?id=1") == "other"
    assert attachment_kind(b"\x89PNG\r\n\x1a\n...", "http://x.gov.cn/a.pdf") == "image"
    assert attachment_kind(b"", "http://x.gov.cn/a.OFD") == "ofd"


def test_ofd_text_layer_placed_by_position() -> None:
    report = rp.plant(rp.make_report("示例县人民政府", 2024))
    read = read_attachment(scans.text_ofd(report))
    assert (read.status, read.kind, read.method, read.ocr_pages) == ("ok", "ofd", "ofd", 0)
    assert "一、本年新收政府信息公开申请数量 29 4 1 0 2 0 37" in read.text  # a table row is one line of cells
    assert _relations(ar.from_text(read)) == {"AR1", "AR3"}


def test_zip_bombs_and_broken_containers_are_refused_before_parsing() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", "<OFD/>")
        z.writestr("Doc_0/Res/big.png", b"\0" * (40 * 1024 * 1024))
    bomb = buf.getvalue()
    assert "压缩比异常" in zip_problem(bomb)
    read = read_attachment(bomb)
    assert (read.status, read.kind) == ("unreadable", "ofd") and "疑似压缩炸弹" in read.detail
    assert read_attachment(b"PK\x03\x04broken", "docx").status == "unreadable"


def test_a_broken_pdf_is_unreadable_with_the_parser_reason() -> None:
    read = read_attachment(b"%PDF-1.4 this is not a pdf")
    assert read.status == "unreadable" and read.detail.startswith("pdf 文件无法读取")
    assert ar.from_text(read).status == "unparsed"


def test_ruling_lines_are_removed_glyphs_kept() -> None:
    page = scans.lines_pages(["收到和处理政府信息公开申请 120"], table=[["行政许可", "120"], ["行政处罚", "45"]])[0]
    clean = remove_rules(page.convert("L"))
    width = page.width
    rows = [bytes(clean.crop((0, y, width, y + 1)).tobytes()) for y in range(clean.height)]
    assert not any(r.count(b"\x00") > width // 3 for r in rows)  # no long dark row is left
    assert clean.getbbox() is not None and clean.crop((0, 0, width, 200)).getextrema()[0] < 128  # text stays


# --- with the tools make setup installs (seconds each: OCR, LibreOffice) -------------------------------
@pytest.mark.slow
def test_scanned_pdf_read_by_ocr() -> None:
    scans.need("tesseract")
    planted = rp.plant(rp.make_report("示例县人民政府", 2024))
    read = read_attachment(scans.image_pdf(scans.report_pages(planted)))
    assert (read.status, read.method, read.scan_pages, read.ocr_pages) == ("ok", "ocr", read.pages, read.pages)
    assert read.ocr_mean_conf and read.ocr_mean_conf > 70
    parsed = ar.from_text(read)
    assert _relations(parsed) == {"AR1", "AR3"} and "OCR" in parsed.detail
    # the negative control: the same report, correct, scanned the same way
    assert _relations(ar.from_text(read_attachment(scans.image_pdf(scans.report_pages(
        rp.make_report("示例县人民政府", 2024)))))) == set()


@pytest.mark.slow
def test_scanned_ofd_and_png() -> None:
    scans.need("tesseract")
    report = rp.plant(rp.make_report("示例县人民政府", 2024))
    read = read_attachment(scans.scanned_ofd(scans.report_pages(report)))
    assert (read.kind, read.method) == ("ofd", "ofd+ocr")
    assert _relations(ar.from_text(read)) == {"AR1", "AR3"}
    image = read_attachment(scans.png(scans.lines_pages(["低保对象名单", "1 张三 11010519491231002X"])[0]))
    assert (image.kind, image.method) == ("image", "ocr") and "11010519491231002X" in image.text


@pytest.mark.slow
def test_word97_and_wps_through_libreoffice() -> None:
    scans.need("soffice")
    doc = scans.word97(rp.to_docx(rp.plant(rp.make_report("示例县人民政府", 2024))))
    for kind in ("doc", "wps"):
        read = read_attachment(doc, kind)
        assert (read.status, read.kind, read.method) == ("ok", kind, "libreoffice")
        assert _relations(ar.from_text(read)) == {"AR1", "AR3"}
    assert read_attachment(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "doc").status == "unreadable"


def test_tools_absent_means_not_measured_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVAUDIT_TESSERACT", "")
    monkeypatch.setenv("GOVAUDIT_SOFFICE", "")
    monkeypatch.setenv("GOVAUDIT_LIBREOFFICE", "")
    scan = read_attachment(scans.image_pdf(scans.lines_pages(["2026年城乡低保对象名单"])))
    assert scan.status == "unreadable" and "未安装 tesseract" in scan.detail
    parsed = ar.from_text(scan)
    assert parsed.status == "scanned" and "未安装 tesseract" in parsed.detail
    doc = read_attachment(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "wps")
    assert doc.status == "unreadable" and "未安装 LibreOffice" in doc.detail
    # a text PDF needs no tool
    text = read_attachment(rp.to_pdf(rp.make_report("示例县人民政府", 2024)))
    assert (text.status, text.method) == ("ok", "text")
