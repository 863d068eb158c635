"""整改建议 data (reports/data/advice.yaml) and evidence locators (reports/data/evidence_locators.yaml)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from checks.registry import get_rules
from reports.advice import ADVICE_FILE, AdviceFileError, advice_for, advice_table
from reports.evidence_targets import LocatorFileError, locator_table, locator_terms

# Subjects CONTRACT.md §5 fixes for the rules whose fix depends on the subject.
CONTRACT_SUBJECTS = {
    "identity.missing": {"site_code", "icp", "psb", "conac", "sponsor", "contact", "zhaocuo"},
    "disclosure.missing": {"guide", "rules", "catalog", "annual_report", "apply"},
}
# Every document number a source may cite: those ../shared/indicators.md cites (never invent one).
KNOWN_NUMBERS = {"国办秘函〔2019〕19号", "国办发〔2017〕47号", "国办发〔2018〕123号", "国办公开办函〔2021〕30号",
                 "国办公开办函〔2021〕28号", "国务院令第711号", "GB/T 37668-2019"}
_NUMBER = re.compile(r"[\u4e00-\u9fa5]+〔\d{4}〕\d+号|国务院令第\d+号|GB/T \d+-\d{4}")
INDICATORS_MD = Path(__file__).resolve().parents[2].parent / "shared" / "indicators.md"


def test_every_registered_rule_has_advice() -> None:
    table = advice_table()
    assert set(get_rules()) <= set(table), sorted(set(get_rules()) - set(table))
    assert set(table) <= set(get_rules()), sorted(set(table) - set(get_rules()))  # no advice for a rule that is not


def test_subject_advice_covers_the_contract_subjects() -> None:
    table = advice_table()
    for rule, subjects in CONTRACT_SUBJECTS.items():
        assert set(table[rule]["subjects"]) == subjects, rule
        texts = {advice_for(rule, s)["text"] for s in subjects}
        assert len(texts) == len(subjects), f"{rule}: each subject has its own instruction"


def test_sources_cite_only_known_documents() -> None:
    cited = {n for entry in advice_table().values() for text in (entry["source"], entry["requirement"],
             *(o.get("source", "") for o in entry["subjects"].values())) for n in _NUMBER.findall(text)}
    assert cited, "the sources cite documents by number"
    assert cited <= KNOWN_NUMBERS, cited - KNOWN_NUMBERS
    assert "国办函〔2019〕80号" not in ADVICE_FILE.read_text(encoding="utf-8")  # the misquotation (indicators.md §0)


def test_known_documents_are_those_of_the_indicator_reference() -> None:
    if not INDICATORS_MD.is_file():
        pytest.skip("../shared/indicators.md is not beside the project")
    text = INDICATORS_MD.read_text(encoding="utf-8")
    assert {n for n in KNOWN_NUMBERS if n not in text} == set()


def test_unconfirmed_requirements_are_tagged_u() -> None:
    for rule, entry in advice_table().items():
        if entry["source"].startswith("待核"):  # no source at all
            assert entry["tag"] == "U", rule
        if entry["tag"] == "V":
            assert "待核" not in entry["source"], rule


def test_veto_rules_say_so_in_their_requirement() -> None:
    from reports.scheme import load_scheme

    scheme = load_scheme("national-2019")
    veto_rules = {r for ind in scheme.indicators if ind.kind == "veto" and ind.veto for r in ind.rules}
    veto_rules -= {"site.unreachable"}  # in the veto indicator but it only deducts (the probes veto)
    for rule in veto_rules:
        assert "单项否决" in advice_table()[rule]["requirement"], rule


def test_a_rule_without_an_entry_still_gets_advice() -> None:
    advice = advice_for("content.not_a_rule", "https://x.gov.cn/", "网页被篡改")  # (content.defacement has its entry now)
    assert advice["tag"] == "U" and "网页被篡改" in advice["text"] and advice["source"] == "待核"


@pytest.mark.parametrize("text, needle", [
    ("link.broken: {advice: x, requirement: y, source: z}\n", "tag must be"),
    ("link.broken: {advice: x, requirement: y, source: z, tag: V, colour: red}\n", "unknown key 'colour'"),
    ("link.broken: {advice: '', requirement: y, source: z, tag: V}\n", "advice must be"),
    ("link.broken: {advice: x, requirement: y, source: z, tag: V, subjects: {a: {text: q}}}\n", "subjects.a"),
])
def test_bad_advice_file_names_rule_and_key(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "advice.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AdviceFileError, match="link.broken") as err:
        advice_table.__wrapped__(path)
    assert needle in str(err.value) and str(path) in str(err.value)


# --- evidence locators -------------------------------------------------------------------------

def test_locators_name_registered_rules() -> None:
    assert set(locator_table()) <= set(get_rules())


def test_locator_terms_read_subject_and_evidence() -> None:
    assert locator_terms("link.broken", "http://a.gov.cn/x.html", {}) == ["href:http://a.gov.cn/x.html"]
    assert locator_terms("link.broken", "mailto:x@y", {}) == []  # not a page URL: nothing to point at
    assert locator_terms("identity.mismatch", "site_code", {"footer": "4213000099"}) == [
        "text:4213000099", "region:footer"]
    assert locator_terms("identity.mismatch", "site_code", {"meta": "x"}) == ["region:footer"]
    typo = {"typos": [{"wrong": "载止", "right": "截止"}, {"wrong": "其它"}]}
    assert locator_terms("content.typo", "http://a/", typo) == ["text:载止"]  # the first item
    spam = {"hits": [{"terms": ["  博彩\n网站 "], "href": "http://spam.example/"}]}
    assert locator_terms("content.spam_injection", "http://a/", spam) == ["text:博彩 网站", "href:http://spam.example/"]
    assert locator_terms("content.typo", "http://a/", {"typos": [{"wrong": "长" * 90}]}) == ["text:" + "长" * 40]
    assert locator_terms("function.not_mobile", "http://a/", {}) == []  # not listed: the first screen


@pytest.mark.parametrize("text, needle", [
    ("link.broken: href:subject\n", "expected a list"),
    ("link.broken: ['link:subject']\n", "is not href:"),
    ("link.broken: ['region:header']\n", "unknown region"),
    ("link.broken: ['text:page.title']\n", "must read"),
])
def test_bad_locator_file(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "loc.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LocatorFileError, match=needle):
        locator_table.__wrapped__(path)
