"""aiogram `CallbackData` factories for our buttons: one per action of `dialogue.payloads`, plus its signature.

A button's callback_data is the payload every channel carries (`<action>|<signature>`, at most 64 bytes),
so a factory does not invent a wire format of its own: it is made from one typed action (`JobStep` ->
`JobStepData`, with the action's fields, validated the same way, and `sig`), `pack()` writes what
`PayloadSigner.sign` writes and `unpack()` reads it through `dialogue.payloads.decode`. Building and parsing
stay in one place, and the python-telegram-bot adapter, WhatsApp, the web chat and email read the very same
text. The signature is checked by the engine (`DialogueEngine._verify`), which knows the secret and the
sender; a factory only says which action a press names, so `JobStepData.filter(F.verb == "d")` routes
Done and `SignedCallback.filter()` any action this version knows.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self, get_type_hints

from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from pydantic import Field, create_model

from dialogue.payloads import SIG_LEN, Action, decode, join_signed, registered, split_signed

Signature = Annotated[str, Field(pattern=rf"^[A-Za-z0-9_-]{{{SIG_LEN}}}$")]


class SignedCallback(CallbackData, prefix="signed", sep="|"):
    """A signed button's callback_data as a typed aiogram object; subclasses are made by `factory_for`.

    aiogram wants a prefix and a separator that the prefix does not contain: the prefix is the action's
    code ("jb:t") and the separator the signature's "|", but `pack` and `unpack` are the payload codec's.
    """

    action_class: ClassVar[type[Action] | None] = None
    if TYPE_CHECKING:
        sig: str  # every factory's last field (a field here would come first in pydantic's order)

    @classmethod
    def of(cls, action: Action, sig: str) -> SignedCallback:
        """The callback data of `action` signed with `sig` (the signature `PayloadSigner` made for it)."""
        factory = factory_for(type(action))
        return factory(**_values(action), sig=sig)

    def action(self) -> Action:
        """The typed action this button names (its signature not checked: that is the engine's)."""
        if self.action_class is None:
            raise TypeError("SignedCallback itself names no action; use a factory")
        return self.action_class(**self.model_dump(exclude={"sig"}))

    def pack(self) -> str:
        """The callback_data: exactly the payload `PayloadSigner.sign` gives for this action.

        Raises:
            ValueError: over Telegram's 64 bytes (an id too long for a button).
        """
        payload = join_signed(self.action().encode(), self.sig)
        if len(payload.encode()) > MAX_CALLBACK_LENGTH:  # join_signed checks the same; aiogram's own name
            raise ValueError(f"callback data over {MAX_CALLBACK_LENGTH} bytes: {payload!r}")
        return payload

    @classmethod
    def unpack(cls, value: str) -> Self:
        """Read callback_data into the factory of its action (on `SignedCallback`: whichever that is).

        Raises:
            ValueError: not a signed payload, an action this version does not know, or another factory's.
        """
        parts = split_signed(value)
        if parts is None:
            raise ValueError("not a signed button payload")
        text, sig = parts
        code = cls.action_class.code if cls.action_class is not None else None
        if code is not None and text != code and not text.startswith(f"{code}:"):
            raise ValueError(f"not a {code} action")  # the quick way out for the other factories
        action = decode(text)
        if action is None:
            raise ValueError("not an action this version knows")
        factory = factory_for(type(action))
        if not issubclass(factory, cls):
            raise ValueError(f"{type(action).__name__} is not {cls.__name__}")
        found: Self = factory(**_values(action), sig=sig)
        return found


_FACTORIES: dict[type[Action], type[SignedCallback]] = {}


def factory_for(action_class: type[Action]) -> type[SignedCallback]:
    """The `CallbackData` factory of one action class: its fields (same types), then `sig`."""
    factory = _FACTORIES.get(action_class)
    if factory is None:
        hints = get_type_hints(action_class, include_extras=True)
        fields: dict[str, Any] = {f.name: (hints[f.name], ...) for f in dataclasses.fields(action_class)}
        factory = create_model(
            f"{action_class.__name__}Data",
            __base__=SignedCallback,
            __module__=__name__,
            __cls_kwargs__={"prefix": action_class.code, "sep": "|"},
            **fields,
            sig=(Signature, ...),
        )
        factory.action_class = action_class
        _FACTORIES[action_class] = factory
    return factory


def factories() -> tuple[type[SignedCallback], ...]:
    """The factory of every action `dialogue.payloads` registers, in its order."""
    return tuple(factory_for(cls) for cls in registered())


def _values(action: Action) -> dict[str, Any]:
    return {f.name: getattr(action, f.name) for f in dataclasses.fields(action)}
