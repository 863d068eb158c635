"""Refuse zip containers (DOCX, XLSX, OFD) that would inflate beyond reason before any parser opens them."""
from __future__ import annotations

import io
import zipfile

MAX_MEMBERS = 5000
MAX_TOTAL_MB = 200  # inflated size of all members
MAX_RATIO = 200  # inflated / compressed, per member (text XML compresses ~10×; bombs 1000×+)


def zip_problem(data: bytes) -> str | None:
    """Why this zip must not be opened (too many members, too large inflated, a bomb's ratio), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return f"压缩包已损坏：{exc}"[:200]
    if len(infos) > MAX_MEMBERS:
        return f"压缩包成员过多（{len(infos)} 个，上限 {MAX_MEMBERS}）"
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_MB * 1024 * 1024:
        return f"压缩包解压后过大（{total // (1024 * 1024)} MB，上限 {MAX_TOTAL_MB} MB）"
    for i in infos:
        if i.file_size > 1024 * 1024 and i.compress_size and i.file_size / i.compress_size > MAX_RATIO:
            return f"压缩包成员 {i.filename} 压缩比异常（{i.file_size // i.compress_size}:1），疑似压缩炸弹"
    return None


def members(data: bytes) -> set[str]:
    """The member names of a zip (empty when it is not one)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return set(z.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return set()
