"""Conversation state rows written before `dialogue.conversation` existed, through the SQL store (issue #16)."""

from __future__ import annotations

import copy

from dialogue.conversation import load_state, save_state
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW
from tests.unit.dialogue.test_conversation_state import OLD_ROWS


async def test_a_conversation_stored_in_the_old_shape_reads_typed_and_keeps_its_shape(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Rows the dict-based flows wrote come back typed through the JSON column, and are stored back unchanged."""
    for i, row in enumerate(OLD_ROWS):
        async with uow_factory() as uow:
            await uow.conversations.save(f"old:{i}", copy.deepcopy(row), NOW)
            await uow.commit()
    async with uow_factory() as uow:
        for i, row in enumerate(OLD_ROWS):
            state = await load_state(uow.conversations, f"old:{i}")
            assert state and state.to_dict() == row
            await save_state(uow.conversations, f"old:{i}", state, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert [await uow.conversations.load(f"old:{i}") for i in range(len(OLD_ROWS))] == OLD_ROWS
