"""Which SLA policy applies: contract + category > contract > category > default, per priority."""

from __future__ import annotations

import pytest

from ticket_core.enums import Priority
from ticket_core.sla import CALENDAR_24X7, SlaPolicy, SlaTarget, resolve_policy

from .conftest import OFFICE, PLAIN, POLICY, hours

FAST = SlaTarget(hours(0.5), hours(2))
GOLD = SlaPolicy("acme-gold", CALENDAR_24X7, {Priority.P1: FAST, Priority.P2: SlaTarget(hours(1), hours(4))})
GOLD_HVAC = SlaPolicy("acme-gold/hvac", OFFICE, {Priority.P2: SlaTarget(hours(1), hours(3))})
HVAC = SlaPolicy(
    "hvac", PLAIN, {Priority.P1: SlaTarget(hours(0.75), hours(3)), Priority.P3: SlaTarget(hours(3), hours(9))}
)


def test_default_alone() -> None:
    effective = resolve_policy(POLICY)
    assert effective.targets == POLICY.targets
    assert effective.name == "standard"
    assert effective.calendar is POLICY.calendar


def test_full_precedence_per_priority() -> None:
    effective = resolve_policy(
        POLICY,
        category="hvac",
        contract_policy=GOLD,
        category_overrides={"hvac": HVAC},
        contract_category_overrides={"hvac": GOLD_HVAC},
    )
    assert effective.target_for(Priority.P2) == GOLD_HVAC.targets[Priority.P2]  # contract + category
    assert effective.target_for(Priority.P1) == FAST  # contract beats category
    assert effective.target_for(Priority.P3) == HVAC.targets[Priority.P3]  # category beats default
    assert effective.target_for(Priority.P4) == POLICY.targets[Priority.P4]  # default
    assert effective.calendar is OFFICE  # from the most specific layer
    assert effective.name == "acme-gold/hvac > acme-gold > hvac > standard"


def test_overrides_for_other_categories_do_not_apply() -> None:
    effective = resolve_policy(
        POLICY,
        category="it",
        category_overrides={"hvac": HVAC},
        contract_category_overrides={"hvac": GOLD_HVAC},
    )
    assert effective.targets == POLICY.targets


def test_contract_without_category() -> None:
    effective = resolve_policy(POLICY, contract_policy=GOLD, category_overrides={"hvac": HVAC})
    assert effective.target_for(Priority.P1) == FAST
    assert effective.target_for(Priority.P3) == POLICY.targets[Priority.P3]
    assert effective.calendar is CALENDAR_24X7
    assert effective.name == "acme-gold > standard"


def test_missing_priority_everywhere_is_refused() -> None:
    thin = SlaPolicy("thin", PLAIN, {Priority.P1: FAST})
    with pytest.raises(ValueError, match="no SLA policy defines a target for P2"):
        resolve_policy(thin)


def test_targets_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        SlaTarget(hours(0), hours(1))
