"""The equipment registry's port: `storage` implements it, the unit of work carries it as `uow.equipment`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from ticket_core.equipment.model import (
    AlertThread,
    EquipmentType,
    PartReplaced,
    Unit,
    UnitFault,
    UnitFilter,
    UnitTicket,
)


class EquipmentRepository(Protocol):
    """Equipment types, units, the tickets reported on units and the parts replaced on them."""

    async def save_type(self, equipment_type: EquipmentType) -> None:
        """Insert or replace a type."""
        ...

    async def get_type(self, type_id: str) -> EquipmentType | None: ...

    async def list_types(self) -> list[EquipmentType]:
        """Every type, by id."""
        ...

    async def add_units(self, units: Sequence[Unit]) -> None:
        """Insert new units (one statement for many)."""
        ...

    async def update_units(self, units: Sequence[Unit]) -> None:
        """Save changed units (every field but id, code and created_at)."""
        ...

    async def get(self, unit_id: str) -> Unit | None: ...

    async def get_by_code(self, code: str) -> Unit | None:
        """The unit whose sticker carries this code."""
        ...

    async def get_many(self, unit_ids: Sequence[str]) -> dict[str, Unit]:
        """The units of these ids that exist, by id."""
        ...

    async def find_with_type(self, code_or_id: str) -> tuple[Unit, EquipmentType | None] | None:
        """The unit whose sticker code (else id) this is, with its type, in one lookup."""
        ...

    async def inventory_numbers(self, client_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        """(client id, inventory number) -> unit id, for the units of these clients that have a number."""
        ...

    async def find(self, where: UnitFilter, limit: int = 50, offset: int = 0) -> list[Unit]:
        """Units matching the filter, by site then name."""
        ...

    async def count(self, where: UnitFilter) -> int: ...

    async def link_ticket(self, ticket_id: str, unit_id: str, *, visitor: bool) -> None:
        """Record that a ticket is about a unit (`visitor`: reported by someone of another client)."""
        ...

    async def unit_of_ticket(self, ticket_id: str) -> tuple[str, bool] | None:
        """(unit id, visitor) of a ticket reported on a unit, else None."""
        ...

    async def history(self, unit_id: str, limit: int = 50) -> list[UnitTicket]:
        """Tickets on a unit, newest first."""
        ...

    async def faults(self, since: datetime, until: datetime) -> list[UnitFault]:
        """Tickets on units opened in [since, until), with their units' type, model and warranty."""
        ...

    async def add_parts(self, parts: Sequence[PartReplaced]) -> None: ...

    async def parts(self, unit_id: str) -> list[PartReplaced]:
        """Parts replaced on a unit, newest first."""
        ...

    async def claim_alert(self, fingerprint: str, now: datetime) -> bool:
        """Make the fingerprint's row if there is none (True); when another unit is making it, wait for it.

        The row is the one place concurrent alerts of a fingerprint meet: the unit that made it opens the
        ticket, every other finds it (`lock_alert`) and adds to that ticket.
        """
        ...

    async def lock_alert(self, fingerprint: str) -> AlertThread | None:
        """The fingerprint's row, locked until the unit ends."""
        ...

    async def save_alert(self, thread: AlertThread) -> None: ...
