"""`govaudit evaluate` without an audit, on SQLite and PostgreSQL: a single-run scheme is refused, units
without runs are incomplete and never ranked, the 评分表 of the Hubei scheme offers the county-only on-site
review to counties alone, and finalizing an incomplete evaluation is refused."""
from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

SITES = """\
sites:
  - {id: "4213000101", name: 随县人民政府网站, url: "http://127.0.0.1:9/", kind: portal, unit: 随县人民政府}
  - {id: "4213000201", name: 市教育局网站, url: "http://127.0.0.1:9/jyj/", kind: department, unit: 市教育局, group: 市直部门}
"""


def test_evaluate_without_runs(cli, db_url: str, tmp_path: Path) -> None:  # noqa: ANN001
    sites = tmp_path / "sites.yaml"
    sites.write_text(SITES, encoding="utf-8")
    res = cli("evaluate", "create", "--scheme", "national-2019", "--name", "x", "--sites", str(sites), "--db", db_url)
    assert res.returncode == 2 and "has no 'parts'" in " ".join(res.stderr.split())
    res = cli("evaluate", "create", "--scheme", "hubei-2022-wzxmt", "--name", "2022年绩效评估", "--sites", str(sites),
              "--as-of", "2023-01-10", "--db", db_url)
    assert res.returncode == 0, res.stderr
    ev = res.stdout.strip().splitlines()[-1]
    template = tmp_path / "t.xlsx"
    assert cli("evaluate", "template", ev, "--out", str(template), "--db", db_url).returncode == 0
    rows = list(load_workbook(template, read_only=True)["人工评分"].iter_rows(values_only=True))
    onsite = {r[0] for r in rows[1:] if str(r[3]).startswith("wz.onsite.")}
    assert onsite == {"4213000101"}  # the 现场评审 is the counties' alone
    res = cli("evaluate", "result", ev, "--out", str(tmp_path / "r"), "--format", "json", "--db", db_url)
    assert res.returncode == 0, res.stderr
    groups = json.loads(res.stdout)["groups"]
    assert set(groups) == {"县市区", "市直部门"}
    for members in groups.values():
        [unit] = members
        assert unit["rank"] is None and unit["total"] is None and not unit["complete"]
        assert "未关联检查记录（run）" in unit["reasons"]
    assert (tmp_path / "r" / "result.xlsx").is_file() and "未完成" in (tmp_path / "r" / "result.html").read_text("utf-8")
    assert cli("evaluate", "publish", ev, "--by", "第三方", "--on", "2023-01-16", "--db", db_url).returncode == 0
    res = cli("evaluate", "finalize", ev, "--by", "市政府办", "--on", "2023-02-20", "--db", db_url)
    assert res.returncode == 2 and "incomplete" in res.stderr
