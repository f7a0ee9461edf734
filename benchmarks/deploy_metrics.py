"""The metrics the shipped Grafana dashboard and Prometheus alerts name, and which of them a /metrics page lacks.

`deploy/grafana/dashboards/helpdesk.json` and `deploy/prometheus/alerts.yml` (docker-compose.yml) query metrics by
name; a renamed metric would leave a panel empty or an alert silent without an error anywhere. `bench cluster`
checks every running process's page against these names, and so does a test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "helpdesk.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
MADE_BY_PROMETHEUS = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACES = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_WORD = re.compile(r"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*(?![A-Za-z0-9_:]|\s*\()")
_KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "by", "without", "inf", "nan"})
_SERIES = ("_bucket", "_count", "_sum", "_total", "_created")


def metric_names(expr: str) -> set[str]:
    """The metric names in one PromQL expression (not its functions, labels, keywords or durations)."""
    bare = _GROUPING.sub(" ", _RANGE.sub(" ", _BRACES.sub(" ", _STRING.sub(" ", expr))))
    words = {m.group(0) for m in _WORD.finditer(bare)}
    return {w for w in words if w.lower() not in _KEYWORDS and not w[0].isdigit()}


def dashboard_expressions(path: Path = DASHBOARD) -> list[str]:
    """Every query of every panel of the dashboard."""
    panels = json.loads(path.read_text())["panels"]
    return [t["expr"] for p in panels for t in p.get("targets", []) if t.get("expr")]


def alert_expressions(path: Path = ALERTS) -> list[str]:
    """Every alerting or recording rule's expression."""
    groups = yaml.safe_load(path.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def named_metrics() -> set[str]:
    """The metrics the dashboard and the alerts name, less those Prometheus makes itself (`up`)."""
    names: set[str] = set()
    for expr in (*dashboard_expressions(), *alert_expressions()):
        names |= metric_names(expr)
    return names - MADE_BY_PROMETHEUS


def exported_series(body: str) -> set[str]:
    """Every series name a /metrics page can give, also for families that have no sample yet (a labelled
    counter or histogram before its first use): a family `x` of type counter gives `x_total`, a histogram
    `x_bucket`, `x_count`, `x_sum`."""
    names: set[str] = set()
    for family in text_string_to_metric_families(body):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type in ("histogram", "summary"):
            names.update(f"{family.name}{suffix}" for suffix in _SERIES[:3])
    return names


def missing_from(body: str) -> list[str]:
    """The dashboard's and the alerts' metrics that the /metrics page `body` does not export."""
    exported = exported_series(body)
    return sorted(name for name in named_metrics() if name not in exported)
