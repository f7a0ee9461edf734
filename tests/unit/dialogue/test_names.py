"""Names are declined in Russian sentences (a working day's stumble: "от Сергей Петров", "инженеру Сергей Петров")."""

from __future__ import annotations

import pytest

from dialogue.i18n import say
from dialogue.names import PersonName, decline, latin


@pytest.mark.parametrize(
    ("name", "gen", "dat", "ins"),
    [
        ("Сергей Петров", "Сергея Петрова", "Сергею Петрову", "Сергеем Петровым"),
        ("Ольга Соколова", "Ольги Соколовой", "Ольге Соколовой", "Ольгой Соколовой"),
        ("Илья Кузнецов", "Ильи Кузнецова", "Илье Кузнецову", "Ильёй Кузнецовым"),
        (
            "Иван Иванович Сидоров",
            "Ивана Ивановича Сидорова",
            "Ивану Ивановичу Сидорову",
            "Иваном Ивановичем Сидоровым",
        ),
        (
            "Мария Иванова-Петрова",
            "Марии Ивановой-Петровой",
            "Марии Ивановой-Петровой",
            "Марией Ивановой-Петровой",
        ),
        ("Олег Белых", "Олега Белых", "Олегу Белых", "Олегом Белых"),  # a surname that does not decline
        ("John Miller", "John Miller", "John Miller", "John Miller"),  # not Russian: as written
    ],
)
def test_names_decline(name: str, gen: str, dat: str, ins: str) -> None:
    assert (decline(name, "gent"), decline(name, "datv"), decline(name, "ablt")) == (gen, dat, ins)
    assert f"{PersonName(name):gen}|{PersonName(name):dat}|{PersonName(name):ins}" == f"{gen}|{dat}|{ins}"
    assert f"{PersonName(name)}" == name  # English texts write {name}


def test_texts_decline_the_name_in_russian_and_keep_it_in_english() -> None:
    assert (
        say("ru", "Sent to engineer {name} on {ref}.", name="Ольга Соколова", ref="HD-1")
        == "Передал инженеру Ольге Соколовой по заявке HD-1."
    )
    # An English reader gets the name in Latin letters (#18 QA walk: English clients read Cyrillic names).
    assert (
        say("en", "Sent to engineer {name} on {ref}.", name="Ольга Соколова", ref="HD-1")
        == "Sent to engineer Olga Sokolova on HD-1."
    )
    assert (
        say("en", "Engineer {name} has taken your request {ref}.", name="Сергей Петров", ref="HD-1")
        == "Engineer Sergey Petrov has taken your request HD-1."
    )
    assert say(
        "en", "Engineer {name} has taken your request {ref}.", name="John Miller", ref="HD-1"
    ).startswith("Engineer John Miller has")
    assert latin("Дмитрий Козлов, Юлия Щербакова") == "Dmitry Kozlov, Yuliya Shcherbakova"
    assert say(
        "ru", "Message on {ref} from {name}:\n{text}", name="Сергей Петров", ref="HD-1", text="x"
    ).startswith("Сообщение по заявке HD-1 от Сергея Петрова:")
