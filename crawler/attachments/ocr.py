"""OCR of page images with Tesseract and its `chi_sim` data (Debian: tesseract-ocr, tesseract-ocr-chi-sim).

Each page is one contained `tesseract` run (`--psm 6`: a page of text and table rows, read line by
line) writing both the text and the word table (TSV) with confidences. Numbers fused with letters
("1O", "l2", "S0": a confusion of glyphs) or read with a confidence under `MIN_NUMBER_CONF` are listed
as doubtful: a report with doubtful numbers is not judged, since one misread digit would be a wrong
finding. (Measured on generated scans: chi_sim scores correct isolated 0/1 glyphs as low as 40, so a
higher confidence bar would doubt every table; a digit it drops or reads as a character leaves a row
short, which the report parser refuses anyway.)
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from crawler.attachments.contained import Limits, program, run_tool

LANG = "chi_sim"
MIN_NUMBER_CONF = 30.0  # Tesseract's word confidence (0–100) below which a number is doubtful
LIMITS = Limits(cpu_s=90, memory_mb=1024, wall_s=120)
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[A-Za-z]")


@cache
def _languages(path: str) -> frozenset[str]:
    try:
        out = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def unavailable() -> str | None:
    """Why OCR cannot run here (no tesseract, no chi_sim data), or None."""
    path = program("tesseract")
    if path is None:
        return "未安装 tesseract（Debian：tesseract-ocr tesseract-ocr-chi-sim），扫描件无法识别 / no OCR"
    if LANG not in _languages(path):
        return f"tesseract 缺少 {LANG} 语言数据（Debian：tesseract-ocr-chi-sim） / no {LANG} data"
    return None


@dataclass
class OcrPage:
    text: str = ""
    words: int = 0
    mean_conf: float | None = None
    doubtful: list[str] = field(default_factory=list)  # numbers fused with letters or read with low confidence
    error: str | None = None


def ocr_page(image: str, limits: Limits = LIMITS) -> OcrPage:
    """The text of one cleaned page image, with the word confidences that say how sure it is."""
    why = unavailable()
    if why:
        return OcrPage(error=why)
    base = str(Path(image).with_suffix(""))
    out = run_tool([program("tesseract"), image, base, "-l", LANG, "--psm", "6", "--dpi", "300",
                    "-c", "preserve_interword_spaces=1", "txt", "tsv"], limits)
    if not out.ok:
        return OcrPage(error=f"OCR 失败：{out.reason}")
    try:
        text = Path(base + ".txt").read_text(encoding="utf-8", errors="replace")
        tsv = Path(base + ".tsv").read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return OcrPage(error=f"OCR 无输出：{exc}")
    confs, doubtful = [], []
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        conf = float(cols[10])
        confs.append(conf)
        word = cols[11]
        if _DIGIT.search(word) and (conf < MIN_NUMBER_CONF or _LETTER.search(word)):
            doubtful.append(word.strip())
    # a ruling line the cleaner missed is read as "|": never part of what a report says
    text = text.replace("|", " ").replace("\f", "\n")
    return OcrPage(text=text, words=len(confs), mean_conf=round(sum(confs) / len(confs), 1) if confs else None,
                   doubtful=doubtful)
