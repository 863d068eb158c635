"""`govaudit accounts import`: unit lists (csv/xlsx) merged into sites.yaml; bad rows exit 2 naming file and line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from govaudit.accounts_import import ImportError_, handle_of, import_accounts
from govaudit.registry import load_registry
from tests.conftest import run_cli

SITES = """# 示例
sites:
  - id: "4213000001"
    name: 示例县人民政府
    url: http://www.example.gov.cn/
    unit: 示例县人民政府办公室
    accounts:
      - {platform: weibo, handle: "1001", name: 示例发布}
  - id: "4213000002"
    name: 示例县教育局
    url: http://jyj.example.gov.cn/
"""


@pytest.fixture
def sites(tmp_path: Path) -> Path:
    path = tmp_path / "sites.yaml"
    path.write_text(SITES, encoding="utf-8")
    return path


def test_csv_merge(sites: Path, tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("单位,平台,账号名称,账号/链接\n"
                   "示例县人民政府办公室,新浪微博,示例发布（新名）,https://weibo.com/u/1001\n"
                   "4213000001,微信公众号,示例县微信,https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzDemo==\n"
                   "示例县教育局,抖音,示例教育,https://www.douyin.com/user/MS4wLjABAAAAedu?from=share\n", encoding="utf-8")
    out = tmp_path / "merged.yaml"
    assert import_accounts(src, sites, out) == {"added": 2, "updated": 1}
    reg = load_registry(out)
    assert [(a.platform, a.handle, a.name) for a in reg.sites[0].accounts] == [
        ("weibo", "1001", "示例发布（新名）"), ("wechat", "MzDemo==", "示例县微信")]
    assert [(a.platform, a.handle) for a in reg.sites[1].accounts] == [("douyin", "MS4wLjABAAAAedu")]
    assert sites.read_text(encoding="utf-8") == SITES  # --out leaves the source alone


def test_merge_keeps_the_registry_comments_and_layout(sites: Path, tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("单位,平台,账号名称,账号/链接\n示例县教育局,微博,示例教育,2002\n", encoding="utf-8")
    out = tmp_path / "merged.yaml"
    import_accounts(src, sites, out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# 示例\nsites:\n")  # the user's comment stays
    assert '- {platform: weibo, handle: "1001", name: 示例发布}' in text  # untouched entries keep their form
    assert load_registry(out).sites[1].accounts[0].handle == "2002"


def test_xlsx_in_place_via_cli(sites: Path, tmp_path: Path) -> None:
    wb2 = Workbook()
    ws2 = wb2.active
    for row in (["unit", "platform", "name", "id"], ["示例县人民政府", "今日头条", "示例头条", "https://www.toutiao.com/c/user/token/MS4tok/"]):
        ws2.append(row)
    src = tmp_path / "list.xlsx"
    wb2.save(src)
    proc = run_cli("accounts", "import", str(src), "--sites", str(sites))
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load(sites.read_text(encoding="utf-8"))
    assert data["sites"][0]["accounts"][-1] == {"platform": "toutiao", "handle": "MS4tok", "name": "示例头条"}


@pytest.mark.parametrize("content, where", [
    ("单位,平台,账号名称,账号\n示例县人民政府,微博,示例发布,1001\n某某局,微博,某某,1234\n", "list.csv:3: unit"),
    ("单位,平台,账号名称,账号\n示例县人民政府,快手,示例发布,1001\n", "list.csv:2: platform"),
    ("单位,平台,账号名称\n示例县人民政府,微博,示例发布\n", "list.csv:1: header lacks column(s) handle"),
    ("单位,平台,账号名称,账号\n示例县人民政府,微博,示例发布,\n", "list.csv:2: handle: empty"),
])
def test_bad_rows_exit_2(sites: Path, tmp_path: Path, content: str, where: str) -> None:
    src = tmp_path / "list.csv"
    src.write_text(content, encoding="utf-8")
    with pytest.raises(ImportError_) as info:
        import_accounts(src, sites, sites)
    assert where in str(info.value)
    assert sites.read_text(encoding="utf-8") == SITES  # nothing written


def test_cli_error_exit_code(sites: Path, tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("单位,平台,账号名称,账号\n某某局,微博,某某,1234\n", encoding="utf-8")
    proc = run_cli("accounts", "import", str(src), "--sites", str(sites))
    assert proc.returncode == 2 and "list.csv:2" in proc.stderr


def test_handle_of() -> None:
    assert handle_of("weibo", "https://m.weibo.cn/u/2803301701?uid=2803301701") == "2803301701"
    assert handle_of("weibo", "1234567890") == "1234567890"
    assert handle_of("rss", "https://x.gov.cn/feed.xml") == "https://x.gov.cn/feed.xml"


def test_login_without_display_exits_2(tmp_path: Path) -> None:
    proc = run_cli("login", "wechat", "--state-dir", str(tmp_path), env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert proc.returncode == 2 and "display" in proc.stderr
    assert not (tmp_path / "wechat.json").exists()


def test_registry_rejects_unknown_platform_key(tmp_path: Path) -> None:
    from govaudit.registry import RegistryError

    path = tmp_path / "s.yaml"
    path.write_text(SITES + "platforms:\n  weibo: http://127.0.0.1:8081\n  kuaishou: http://127.0.0.1:8082\n",
                    encoding="utf-8")
    with pytest.raises(RegistryError, match=r"s.yaml:14: platforms.kuaishou: unknown platform"):
        load_registry(path)


@pytest.mark.parametrize(("platform", "handle", "message"), [
    ("RSS", "http://169.254.169.254/latest/feed.xml", "denied range"),  # the metadata service
    ("RSS", "http://[::ffff:169.254.169.254]/feed.xml", "denied range"),
    ("RSS", "http://10.9.8.7/feed.xml", "denied range"),  # the registry's own deny: range
    ("RSS", "file:///etc/passwd", "http(s) URL"),
    ("manual", "../../etc/passwd", "outside the registry's folder"),
    ("manual", "/etc/passwd", "outside the registry's folder"),
])
def test_account_handles_validated_per_platform(tmp_path: Path, platform: str, handle: str, message: str) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text(SITES + "deny: [10.9.8.0/24]\n", encoding="utf-8")
    src = tmp_path / "list.csv"
    src.write_text(f"单位,平台,账号名称,账号/链接\n示例县教育局,{platform},源,{handle}\n", encoding="utf-8")
    out = tmp_path / "merged.yaml"
    with pytest.raises(ImportError_, match=re.escape(message)):
        import_accounts(src, sites, out)
    assert not out.exists()  # nothing half-written
    # the control: a feed on a public address and a CSV beside the registry are accepted
    src.write_text("单位,平台,账号名称,账号/链接\n示例县教育局,RSS,源,http://8.8.8.8/feed.xml\n"
                   "示例县教育局,manual,手工,posts/manual.csv\n", encoding="utf-8")
    assert import_accounts(src, sites, out)["added"] == 2


def test_import_refusal_exits_2(tmp_path: Path) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text(SITES, encoding="utf-8")
    src = tmp_path / "list.csv"
    src.write_text("单位,平台,账号名称,账号/链接\n示例县教育局,RSS,源,http://169.254.169.254/f.xml\n", encoding="utf-8")
    res = run_cli("accounts", "import", str(src), "--sites", str(sites), "--out", str(tmp_path / "m.yaml"))
    assert res.returncode == 2 and "denied range" in " ".join(res.stderr.split())
