"""The Russian of the KB's refusals (`kb_search`: articles, editing, learning, the importer), merged into
`dialogue.refusals.RU`."""

from __future__ import annotations

RU_KB: dict[str, str] = {
    # kb_search/model.py
    "unknown audience '{value}': use public, internal or client:<id>": (
        "неизвестная аудитория «{value}»: укажите public, internal или client:<id>"
    ),
    "invalid client id '{client_id}': use 1-64 letters, digits, '_', '.' or '-', e.g. client:acme": (
        "неверный id клиента «{client_id}»: 1-64 латинские буквы, цифры, '_', '.' или '-', "
        "например client:acme"
    ),
    "audience must be a string: public, internal or client:<id>": (
        "аудитория — это текст: public, internal или client:<id>"
    ),
    "invalid article id '{article_id}': use 1-64 letters, digits, '_', '.', ':' or '-'": (
        "неверный id статьи «{article_id}»: 1-64 латинские буквы, цифры, '_', '.', ':' или '-'"
    ),
    "article {id}: the title is empty; give it a short title": "статья {id}: нет заголовка; дайте короткий заголовок",
    "article {id}: the title is longer than {max_title} characters": (
        "статья {id}: заголовок длиннее {max_title} символов"
    ),
    "article {id}: the body is empty; write the answer in Markdown": (
        "статья {id}: текст пуст; напишите ответ в Markdown"
    ),
    "article {id}: the body is longer than {max_body} characters; split it": (
        "статья {id}: текст длиннее {max_body} символов; разделите его"
    ),
    "article {id}: language '{lang}' should be a code like ru or en": (
        "статья {id}: язык «{lang}» должен быть кодом, например ru или en"
    ),
    "updated_at must be timezone-aware UTC": "updated_at должно быть в UTC с часовым поясом",
    # kb_search/editing.py
    "cannot edit '{field_name}': choose one of {fields}": "поле «{field_name}» не редактируется; можно: {fields}",
    "the new {field_name} must be text": "новое значение поля «{field_name}» должно быть текстом",
    "Article '{article_id}' exists already; open it to edit it.": (
        "Статья «{article_id}» уже есть; откройте её, чтобы изменить."
    ),
    "Article {article_id} was saved by {who} (version {version}) after you opened version "
    "{expected_version}. Open it again and re-apply your change.": (
        "Статью {article_id} сохранил(а) {who} (версия {version}) после того, как вы открыли версию "
        "{expected_version}. Откройте её заново и внесите изменение ещё раз."
    ),
    "Nothing changed in {article_id}: give a new value for a field.": (
        "В статье {article_id} ничего не изменилось: задайте полю новое значение."
    ),
    "Article {article_id} is {status} already.": "Статья {article_id} уже в статусе «{status}».",
    "Article {article_id} has no version {version}; pick one from its history.": (
        "У статьи {article_id} нет версии {version}; выберите версию из истории."
    ),
    "Version {version} has the same content as the current one; nothing to restore.": (
        "Версия {version} совпадает с текущей; восстанавливать нечего."
    ),
    "No article '{article_id}'; list the articles to pick one.": (
        "Статьи «{article_id}» нет; выберите статью из списка."
    ),
    "Only an admin edits knowledge base articles.": "Статьи базы знаний редактирует только администратор.",
    # kb_search/learning.py, kb_search/phrasings.py
    "an empty question cannot be kept as a phrasing": "пустой вопрос нельзя сохранить как формулировку",
    "staff do not press Helped: link the article while resolving the ticket instead": (
        "сотрудники не нажимают «Помогло»: привяжите статью, когда закрываете заявку"
    ),
    "no phrasing {phrasing_id}; list an article's with `helpdesk kb phrasings ID`": (
        "формулировки {phrasing_id} нет; список формулировок статьи: `helpdesk kb phrasings ID`"
    ),
    "phrasing {phrasing_id} was removed already by {who}": "формулировку {phrasing_id} уже удалил(а) {who}",
    "a client confirmation needs the client's or the contact's id": (
        "для подтверждения клиента нужен id клиента или контакта"
    ),
    "a staff confirmation needs the staff member's id": "для подтверждения сотрудника нужен его id",
    "article {id} is not published: publish it before linking questions to it": (
        "статья {id} не опубликована: опубликуйте её, прежде чем привязывать к ней вопросы"
    ),
    "refused: the question of {who} cannot be linked to article {id} (audience {audience}), "
    "which that person may not read": (
        "отказано: вопрос от {who} нельзя привязать к статье {id} (аудитория {audience}): "
        "этому человеку она недоступна"
    ),
    # kb_search/importer.py
    "{where}: expected a JSON object with id, title, body, audience, lang, tags": (
        "{where}: нужен объект JSON с полями id, title, body, audience, lang, tags"
    ),
    "{where}: missing {keys}": "{where}: не заполнено {keys}",
    "{where}: tags must be a list of strings": "{where}: tags — список строк",
    "{where}: status must be draft or published": "{where}: status — draft или published",
    "{where}: {error}": "{where}: {error}",
    "{path}: not UTF-8 text; save the file as UTF-8": "{path}: не текст UTF-8; сохраните файл в UTF-8",
    "{where}: not valid JSON ({reason})": "{where}: неверный JSON ({reason})",
    "{where}: no front matter; start the file with ---, id/title/audience/lang, ---": (
        "{where}: нет шапки; начните файл с ---, id/title/audience/lang, ---"
    ),
    "{where}: the front matter is not closed with a --- line": "{where}: шапка не закрыта строкой ---",
    "{where}: the front matter is not valid YAML": "{where}: шапка — неверный YAML",
    "{where}: the front matter must be key: value lines": "{where}: в шапке должны быть строки ключ: значение",
    "nothing was imported; fix these and run again:\n{problems}": (
        "ничего не импортировано; исправьте это и запустите снова:\n{problems}"
    ),
    "nothing was imported; fix these and run again:\n{problems}\n... and {more} more": (
        "ничего не импортировано; исправьте это и запустите снова:\n{problems}\n... и ещё {more}"
    ),
    "{path}: no such file or folder; give a .jsonl file or a folder of .md files": (
        "{path}: нет такого файла или папки; укажите файл .jsonl или папку с файлами .md"
    ),
    "nothing was imported: duplicate ids {ids}; make ids unique": (
        "ничего не импортировано: повторяются id {ids}; сделайте их разными"
    ),
}
