"""A small directory of clients and engineers in a memory unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fakes.memory_uow import MemoryState, MemoryUnitOfWorkFactory
from ticket_core.enums import Role
from ticket_core.model import Actor, Client, Contact, Contract, Site, StaffMember

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLIENT = Actor(Role.CLIENT, "c-anna", client_id="acme", name="Anna")
OTHER_CLIENT = Actor(Role.CLIENT, "c-oleg", client_id="romashka", name="Oleg")
SUPERVISOR = Actor(Role.SUPERVISOR, "sup", name="Sveta")


def engineer(staff_id: str) -> Actor:
    return Actor(Role.ENGINEER, staff_id, name=staff_id)


@pytest.fixture
def uows() -> MemoryUnitOfWorkFactory:
    state = MemoryState()
    state.clients = {"acme": Client("acme", "ACME"), "romashka": Client("romashka", "Romashka")}
    state.contacts = {
        "c-anna": Contact("c-anna", "acme", "Anna", "+70000000001"),
        "c-oleg": Contact("c-oleg", "romashka", "Oleg", "+70000000002"),
    }
    state.sites = {
        "acme-hq": Site("acme-hq", "acme", "HQ", "Tverskaya 1, Moscow", 55.757, 37.613),
        "rom-1": Site("rom-1", "romashka", "Shop", "Nevsky 10, St Petersburg", 59.935, 30.325),
    }
    state.contracts = {
        "k1": Contract("k1", "acme", "ACME full", ("it", "hvac"), excluded_engineers=("e-banned",))
    }
    state.staff = {
        "e-near": StaffMember("e-near", "Near", Role.ENGINEER, ("it",), 55.76, 37.62),
        "e-far": StaffMember("e-far", "Far", Role.ENGINEER, ("it",), 59.9, 30.3),
        "e-hvac": StaffMember("e-hvac", "Hvac", Role.ENGINEER, ("hvac",), 55.75, 37.6),
        "e-banned": StaffMember("e-banned", "Banned", Role.ENGINEER, ("it",), 55.757, 37.613),
        "sup": StaffMember("sup", "Sveta", Role.SUPERVISOR),
    }
    return MemoryUnitOfWorkFactory(state)
