"""`manual`: posts a person copied from a platform that cannot be read, imported from a CSV file.

The handle is the CSV's path (relative paths resolve against the sites.yaml's folder). Columns
(header row, UTF-8 or GBK): `time` (required: 2022-12-05 or 2022-12-05 09:30), `title`, `url`,
`text`, `comments`, `likes`, `reposts`.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from crawler.platforms.base import AccountData, Adapter, AdapterFailure, FailureKind, Profile, count
from storage.facts.newmedia import PostSeen
from storage.vocabulary import BEIJING


def _when(value: str) -> datetime | None:
    value = value.strip().replace("/", "-")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=BEIJING)
        except ValueError:
            continue
    return None


class ManualAdapter(Adapter):
    platform = "manual"

    def read(self, handle: str, name: str | None) -> AccountData:
        path = Path(handle)
        if not path.is_absolute():
            path = self.ctx.registry_dir / path
        root = Path(self.ctx.registry_dir).resolve()
        if not path.resolve().is_relative_to(root):
            raise AdapterFailure(FailureKind.BAD_INPUT, f"{handle}: outside the registry's folder {root}")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise AdapterFailure(FailureKind.BAD_INPUT, f"{path}: cannot read: {exc.strerror}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", "replace")
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "time" not in [f.strip() for f in reader.fieldnames]:
            raise AdapterFailure(FailureKind.BAD_INPUT, f"{path}: the header row needs a 'time' column")
        posts = []
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            when = _when(row.get("time", ""))
            if when is None:
                raise AdapterFailure(FailureKind.BAD_INPUT, f"{path}:{line}: time: not a date {row.get('time')!r}")
            posts.append(PostSeen(url=row.get("url") or None, published_at=when, title=row.get("title") or None,
                                  text=row.get("text") or None, comments=count(row.get("comments") or None),
                                  likes=count(row.get("likes") or None), reposts=count(row.get("reposts") or None)))
        return AccountData(profile=Profile(name=name), posts=posts, posts_source="manual")
