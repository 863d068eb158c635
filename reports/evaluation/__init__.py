"""Evaluations of many units (考评 / 绩效评估, docs/evaluations.md): inputs read from storage, the pure
composite scoring with its trace, the 依申请公开 test, entries validated against the scheme, the 评分表
round-trip and the result outputs. Single runs keep their own scoring (reports/scoring.py)."""
