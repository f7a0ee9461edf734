"""The Russian of the contacts import's refusals (`ticket_core/contacts_csv.py`,
`ticket_core/usecases/contact_import.py`), merged into `dialogue.refusals.RU`."""

from __future__ import annotations

RU_CONTACTS: dict[str, str] = {
    # contacts_csv.py: the file and its lines
    "The file is empty; its first line must name the columns.": (
        "Файл пуст; в первой строке должны быть названия столбцов."
    ),
    "The first line cannot be read as CSV.": "Первую строку не удаётся прочитать как CSV.",
    "This line cannot be read as CSV.": "Эту строку не удаётся прочитать как CSV.",
    "More than {max_rows} lines; split the file.": "Больше {max_rows} строк; разделите файл.",
    "{found} values for {columns} columns.": "Значений: {found}, а столбцов: {columns}.",
    "The file has no name column; the first line must name the columns.": (
        "В файле нет столбца name (имя); в первой строке должны быть названия столбцов."
    ),
    "Unknown column(s): {columns}. The columns are: {known}.": (
        "Неизвестные столбцы: {columns}. Допустимые столбцы: {known}."
    ),
    "Column(s) given twice: {columns}.": "Столбцы указаны дважды: {columns}.",
    "The name is empty.": "Имя не заполнено.",
    "The name is longer than {max_len} characters.": "Имя длиннее {max_len} символов.",
    "'{phone}' is not a phone number; write it as +7 916 123-45-67.": (
        "«{phone}» — не номер телефона; пишите так: +7 916 123-45-67."
    ),
    "Give a mail address or a phone: that is how the person is found.": (
        "Укажите почту или телефон: по ним человека узнают в любом канале."
    ),
    "Manager '{value}': write yes or no.": "Руководитель «{value}»: напишите да или нет.",
    "Language '{value}': write ru or en.": "Язык «{value}»: напишите ru или en.",
    "The site is longer than {max_len} characters.": "Объект длиннее {max_len} символов.",
    # usecases/contact_import.py
    "Only supervisors and admins import a client's contacts.": (
        "Контакты клиента загружают только руководители и администраторы."
    ),
    "No client '{client_id}'; pick one from the clients list.": (
        "Клиента «{client_id}» нет; выберите клиента из списка."
    ),
    "The file has no contacts.": "В файле нет ни одного контакта.",
    "Nothing was imported: {n} bad line(s). Fix them and import the file again.": (
        "Ничего не загружено: строк с ошибками — {n}. Исправьте их и загрузите файл снова."
    ),
    "{value} is also on line {line}.": "{value} есть и в строке {line}.",
    "{address} is {name}'s and {phone} is {other}'s: two different people. "
    "Give one person's address and phone on a line.": (
        "{address} — почта контакта {name}, а {phone} — телефон контакта {other}: это разные люди. "
        "В одной строке — почта и телефон одного человека."
    ),
    "This is {name}, as on line {line}.": "Это {name}, как и в строке {line}.",
    "{value} is already {name}'s, a contact of {client}; a person is the contact of one client.": (
        "{value} уже принадлежит контакту {name} клиента {client}; человек — контакт только одного клиента."
    ),
    "Several of the client's sites are called '{site}'; write the site's id ({ids}).": (
        "У клиента несколько объектов с названием «{site}»; укажите код объекта ({ids})."
    ),
    "'{site}': the client has no sites yet; leave the cell empty.": (
        "«{site}»: у клиента ещё нет объектов; оставьте ячейку пустой."
    ),
    "'{site}' is not one of the client's sites ({known}).": "«{site}» — не объект этого клиента ({known}).",
}
