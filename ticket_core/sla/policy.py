"""SLA policies: response and resolution targets by priority, and which policy applies to a ticket."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from ticket_core.enums import Priority
from ticket_core.sla.calendar import BusinessCalendar


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """Business time allowed until the first response and until resolution."""

    response: timedelta
    resolution: timedelta

    def __post_init__(self) -> None:
        if self.response <= timedelta(0) or self.resolution <= timedelta(0):
            raise ValueError(
                f"SLA targets must be positive (response {self.response}, resolution {self.resolution}); "
                "give both as durations above zero"
            )


@dataclass(frozen=True)
class SlaPolicy:
    """A named set of targets per priority, counted on one business calendar.

    A policy may leave priorities out; `resolve_policy` then takes them from a less specific policy.
    """

    name: str
    calendar: BusinessCalendar
    targets: Mapping[Priority, SlaTarget] = field(default_factory=dict, hash=False)

    def target_for(self, priority: Priority) -> SlaTarget:
        """Return the target of a priority.

        Raises:
            ValueError: when the policy has no target for it.
        """
        try:
            return self.targets[priority]
        except KeyError:
            raise ValueError(
                f"SLA policy {self.name!r} has no target for {priority}; add one or use a default policy that has"
            ) from None


def resolve_policy(
    default: SlaPolicy,
    *,
    category: str | None = None,
    contract_policy: SlaPolicy | None = None,
    category_overrides: Mapping[str, SlaPolicy] | None = None,
    contract_category_overrides: Mapping[str, SlaPolicy] | None = None,
) -> SlaPolicy:
    """Return the effective policy of a ticket from the layers that apply to its category and contract.

    Precedence, most specific first: the contract's override for the category, the contract's policy, the
    company-wide override for the category, the default. Each priority's target comes from the first layer
    that defines that priority, so a contract may sell only a faster P1 and inherit the rest. The calendar
    comes from the most specific layer present. The result's name lists the layers used, e.g.
    "acme-gold/hvac > acme-gold > standard".

    Raises:
        ValueError: when no layer defines a target for some priority.
    """
    layers: list[SlaPolicy] = []
    if category is not None and contract_category_overrides and category in contract_category_overrides:
        layers.append(contract_category_overrides[category])
    if contract_policy is not None:
        layers.append(contract_policy)
    if category is not None and category_overrides and category in category_overrides:
        layers.append(category_overrides[category])
    layers.append(default)
    targets: dict[Priority, SlaTarget] = {}
    used: list[str] = []
    for priority in Priority:
        for layer in layers:
            if priority in layer.targets:
                targets[priority] = layer.targets[priority]
                if layer.name not in used:
                    used.append(layer.name)
                break
        else:
            raise ValueError(
                f"no SLA policy defines a target for {priority} (looked at {', '.join(p.name for p in layers)}); "
                "add it to the default policy"
            )
    order = [layer.name for layer in layers if layer.name in used or layer is layers[0]]
    return SlaPolicy(name=" > ".join(dict.fromkeys(order)), calendar=layers[0].calendar, targets=targets)
