"""Time `crawler.attachments.convert.read_attachment` per format on the generated fixtures.

    python bench/attachments_bench.py [--runs N]      # a table: median and max seconds per document
    python bench/attachments_bench.py write DIR       # write the fixture files (for farm-bench)
    python bench/attachments_bench.py read FILE       # read one file (what farm-bench times)

Every conversion runs in contained children (the figures include their start-up); the content cache is
cleared between runs. The fixtures are the test suite's: a 6-section annual report (2021 template) as a
4-page scan at 300 dpi, DOCX, Word 97, WPS, OFD with a text layer, scanned OFD, a text PDF, and a one-page
scanned 公示 list as PNG.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.attachments import convert  # noqa: E402


def fixtures() -> dict[str, bytes]:
    from tests.attachments import scans
    from tests.disclosure import reports as rp

    report = rp.make_report("示例县人民政府", 2024)
    pages = scans.report_pages(report)
    docx = rp.to_docx(report)
    doc = scans.word97(docx)
    return {"report.pdf (text layer)": rp.to_pdf(report), "report.docx": docx, "report.doc": doc,
            "report.wps": doc, "report.ofd (text)": scans.text_ofd(report),
            "report-scan.pdf (4 pages)": scans.image_pdf(pages), "report-scan.ofd (4 pages)": scans.scanned_ofd(pages),
            "list-scan.png (1 page)": scans.png(scans.lines_pages(["2026年城乡低保对象名单",
                                                                  "1 张三 11010519491231002X 13812345678"])[0])}


def _kind(name: str) -> str | None:
    return "wps" if ".wps" in name else None


def main(argv: list[str]) -> None:
    if argv[:1] == ["write"]:
        out = Path(argv[1])
        out.mkdir(parents=True, exist_ok=True)
        for name, data in fixtures().items():
            (out / name.split(" ")[0]).write_bytes(data)
        return
    if argv[:1] == ["read"]:
        path = Path(argv[1])
        read = convert.read_attachment(path.read_bytes(), "wps" if path.suffix == ".wps" else None, url=str(path))
        print(read.status, read.summary, len(read.text))
        return
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 3
    print(f"{'document':28} {'status':8} {'method':12} {'median s':>9} {'max s':>7}")
    for name, data in fixtures().items():
        times, read = [], None
        for _ in range(runs):
            convert._CACHE.clear()
            started = time.perf_counter()
            read = convert.read_attachment(data, _kind(name))
            times.append(time.perf_counter() - started)
        print(f"{name:28} {read.status:8} {read.method or '-':12} {statistics.median(times):9.2f} {max(times):7.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
