"""Link visibility in a rendered page (facts for content.hidden_link), read from the browser's computed style.

The browser path calls it on a page it rendered (the homepage, with its external stylesheets and
scripts applied):

    raw = await page.evaluate(LINK_VISIBILITY_JS)          # Playwright (async or sync API)
    yield from visibility_records(run_id, page_url, raw)  # fact rows → table link_visibility

and adds "link_visibility" to the run's facts (an extractor's `facts` attribute). The reasons use
the same words as the static reading in checks/content/dom.py, so the rule judges both alike.
"""
from __future__ import annotations

from collections.abc import Iterator

from storage.facts import FactRow
from storage.facts.content import LinkVisibilityFact

# Every link to another host: is it visible, and if not, why and which element hides it.
LINK_VISIBILITY_JS = r"""
() => {
  const MENU = /menu|nav|drop|sub|tab|slide|banner|swiper|popup|pop|qr|ewm|code|share|link/i;
  const MENU_TAGS = new Set(["UL", "OL", "LI", "NAV", "SELECT", "MENU", "DL"]);
  const xpath = (el) => {
    const parts = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentNode) {
      let i = 1, same = 0;
      for (let s = n.parentNode ? n.parentNode.firstElementChild : null; s; s = s.nextElementSibling) {
        if (s.tagName === n.tagName) { same++; if (s === n) i = same; }
      }
      parts.unshift(n.tagName.toLowerCase() + (same > 1 ? `[${i}]` : ""));
    }
    return "/" + parts.join("/");
  };
  const px = (v) => parseFloat(v || "0") || 0;
  const background = (el) => {
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const cs = getComputedStyle(n);
      if (cs.backgroundImage && cs.backgroundImage !== "none") return null;
      const bg = cs.backgroundColor;
      if (bg && bg !== "transparent" && !/rgba\(.*,\s*0\)$/.test(bg)) return bg;
    }
    return "rgb(255, 255, 255)";
  };
  const why = (a) => {
    for (let n = a; n && n.nodeType === 1; n = n.parentElement) {
      const cs = getComputedStyle(n);
      if (cs.display === "none") return ["display:none", n];
      if (parseFloat(cs.opacity) === 0) return ["opacity:0", n];
    }
    const cs = getComputedStyle(a);
    if (cs.visibility === "hidden" || cs.visibility === "collapse") return ["visibility:hidden", a];
    const r = a.getBoundingClientRect();
    const hasImg = !!a.querySelector("img");
    if (r.right <= 0 || r.bottom <= 0 || r.left >= document.documentElement.scrollWidth + 500)
      return [`position:${cs.position}; 矩形 ${Math.round(r.left)},${Math.round(r.top)}（移出屏幕）`, a];
    if (r.width < 1 || r.height < 1) return [`尺寸为零（${r.width}×${r.height}）`, a];
    for (let n = a.parentElement; n && n !== document.body; n = n.parentElement) {
      const ps = getComputedStyle(n);
      if (ps.overflow !== "visible" || ps.overflowX !== "visible" || ps.overflowY !== "visible") {
        const pr = n.getBoundingClientRect();
        if (pr.width < 1 || pr.height < 1 || r.left >= pr.right || r.right <= pr.left ||
            r.top >= pr.bottom || r.bottom <= pr.top)
          return ["尺寸为零（被 overflow:hidden 的容器裁掉）", n];
      }
    }
    if (!hasImg && px(cs.fontSize) < 1) return [`font-size:${cs.fontSize}`, a];
    if (!hasImg && cs.color === background(a)) return [`文字颜色与背景相同（${cs.color}）`, a];
    return null;
  };
  const inMenu = (a) => {
    for (let n = a; n && n !== document.body; n = n.parentElement) {
      if (MENU_TAGS.has(n.tagName) || MENU.test(`${n.className || ""} ${n.id || ""}`)) return true;
    }
    return false;
  };
  const out = [];
  for (const a of document.querySelectorAll("a[href]")) {
    let url;
    try { url = new URL(a.getAttribute("href"), document.baseURI); } catch (e) { continue; }
    if (!/^https?:$/.test(url.protocol) || url.host === location.host) continue;
    const w = why(a);
    out.push({href: url.href, text: (a.textContent || a.title || "").replace(/\s+/g, " ").trim().slice(0, 80),
              hidden: w ? w[0] : "", path: w ? xpath(w[1]) : xpath(a), in_menu: inMenu(a)});
  }
  return out;
}
"""


def visibility_records(run_id: int, page_url: str, raw: list[dict]) -> Iterator[FactRow]:
    """The collector's output as records (one per outside link, visible or not)."""
    for item in raw or []:
        yield FactRow(run_id, LinkVisibilityFact(
            page=page_url, href=str(item["href"]), text=item.get("text") or None, hidden=str(item.get("hidden") or ""),
            path=item.get("path"), in_menu=bool(item.get("in_menu"))))
