"""KB domain types: articles, their versions, who reads them, and search results."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

PUBLIC = "public"
INTERNAL = "internal"
CLIENT_PREFIX = "client:"

_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MAX_TITLE = 300
MAX_BODY = 200_000


class KbError(ValueError):
    """Bad KB input; the message says what to do next.

    The message is an English `template` with `{name}` fields from `params` (as `ticket_core`'s refusals), so
    the admin and the chats can say it in the reader's language.
    """

    def __init__(self, template: str = "", /, **params: object) -> None:
        self.template = template
        self.params: dict[str, object] = params
        super().__init__(template.format(**{k: str(v) for k, v in params.items()}) if params else template)


class Problems(tuple[KbError, ...]):
    """Several refusals named in one (the bad lines of an import): one per line, each in the reader's language."""

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self)


class ArticleStatus(StrEnum):
    """Whether an article is visible to search."""

    DRAFT = "draft"
    PUBLISHED = "published"


class ReaderKind(StrEnum):
    """Who is reading: an anonymous public client, a known client, or staff."""

    PUBLIC = "public"
    CLIENT = "client"
    STAFF = "staff"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def check_client_id(client_id: str) -> str:
    """Return `client_id` if it is a valid client id, else raise `KbError`."""
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        raise KbError(
            "invalid client id '{client_id}': use 1-64 letters, digits, '_', '.' or '-', e.g. client:acme",
            client_id=client_id,
        )
    return client_id


def parse_audience(value: str) -> str:
    """Validate an audience ("public", "internal" or "client:<id>") and return it normalised."""
    if not isinstance(value, str):
        raise KbError("audience must be a string: public, internal or client:<id>")
    text = value.strip()
    if text in (PUBLIC, INTERNAL):
        return text
    if text.startswith(CLIENT_PREFIX):
        return CLIENT_PREFIX + check_client_id(text[len(CLIENT_PREFIX) :])
    raise KbError("unknown audience '{value}': use public, internal or client:<id>", value=value)


def check_article_id(article_id: str) -> str:
    """Return `article_id` if it is valid, else raise `KbError`."""
    if not isinstance(article_id, str) or not _ARTICLE_ID.match(article_id):
        raise KbError(
            "invalid article id '{article_id}': use 1-64 letters, digits, '_', '.', ':' or '-'",
            article_id=article_id,
        )
    return article_id


@dataclass(frozen=True, slots=True)
class Article:
    """One KB article: Markdown body, audience, language, tags, status and version."""

    id: str
    title: str
    body: str
    audience: str = PUBLIC
    lang: str = "ru"
    tags: tuple[str, ...] = ()
    status: ArticleStatus = ArticleStatus.PUBLISHED
    version: int = 0
    updated_at: datetime = field(default_factory=utcnow)
    updated_by: str | None = None

    @property
    def published(self) -> bool:
        """True when search may show the article."""
        return self.status is ArticleStatus.PUBLISHED

    def validated(self) -> Article:
        """Return the article with normalised fields, or raise `KbError` saying what to fix."""
        check_article_id(self.id)
        title = (self.title or "").strip()
        if not title:
            raise KbError("article {id}: the title is empty; give it a short title", id=self.id)
        if len(title) > MAX_TITLE:
            raise KbError(
                "article {id}: the title is longer than {max_title} characters",
                id=self.id,
                max_title=MAX_TITLE,
            )
        if not isinstance(self.body, str) or not self.body.strip():
            raise KbError("article {id}: the body is empty; write the answer in Markdown", id=self.id)
        if len(self.body) > MAX_BODY:
            raise KbError(
                "article {id}: the body is longer than {max_body} characters; split it",
                id=self.id,
                max_body=MAX_BODY,
            )
        lang = (self.lang or "").strip().lower()
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            raise KbError(
                "article {id}: language '{lang}' should be a code like ru or en", id=self.id, lang=self.lang
            )
        tags = tuple(dict.fromkeys(t.strip().lower() for t in self.tags if t and t.strip()))
        if self.updated_at.tzinfo is None:
            raise KbError("updated_at must be timezone-aware UTC")
        return Article(
            id=self.id,
            title=title,
            body=self.body,
            audience=parse_audience(self.audience),
            lang=lang,
            tags=tags,
            status=ArticleStatus(self.status),
            version=self.version,
            updated_at=self.updated_at,
            updated_by=self.updated_by,
        )


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """One saved state of an article, with who made the change and what it was."""

    article_id: str
    version: int
    title: str
    body: str
    audience: str
    lang: str
    tags: tuple[str, ...]
    status: ArticleStatus
    action: str
    author: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads the KB; decides which audiences they may see."""

    kind: ReaderKind
    client_id: str | None = None

    @classmethod
    def public(cls) -> Reader:
        """An anonymous client: public articles only."""
        return cls(ReaderKind.PUBLIC)

    @classmethod
    def client(cls, client_id: str | None) -> Reader:
        """A known client: public articles plus that client's private section.

        A missing or malformed id falls back to public: never widen access on bad input.
        """
        if not client_id:
            return cls.public()
        try:
            return cls(ReaderKind.CLIENT, check_client_id(client_id))
        except KbError:
            return cls.public()

    @classmethod
    def staff(cls) -> Reader:
        """Staff: every published article, internal and every client's included."""
        return cls(ReaderKind.STAFF)

    @classmethod
    def parse(cls, text: str) -> Reader:
        """Parse a CLI audience option: public, internal (staff) or client:<id>."""
        audience = parse_audience(text)
        if audience == PUBLIC:
            return cls.public()
        if audience == INTERNAL:
            return cls.staff()
        return cls(ReaderKind.CLIENT, audience[len(CLIENT_PREFIX) :])

    def may_see_audience(self, audience: str) -> bool:
        """Tell whether this reader may see articles of `audience` (status aside)."""
        if self.kind is ReaderKind.STAFF:
            return True
        if audience == PUBLIC:
            return True
        return (
            self.kind is ReaderKind.CLIENT
            and self.client_id is not None
            and audience == CLIENT_PREFIX + self.client_id
        )

    def audiences(self) -> frozenset[str] | None:
        """The audiences this reader may see; None means every audience (staff)."""
        if self.kind is ReaderKind.STAFF:
            return None
        if self.kind is ReaderKind.CLIENT and self.client_id:
            return frozenset({PUBLIC, CLIENT_PREFIX + self.client_id})
        return frozenset({PUBLIC})

    def may_read(self, article: Article) -> bool:
        """Tell whether this reader may read `article`: it is published and its audience is allowed."""
        return article.status is ArticleStatus.PUBLISHED and self.may_see_audience(article.audience)


@dataclass(frozen=True, slots=True)
class Hit:
    """One article found by a search."""

    article_id: str
    title: str
    snippet: str
    score: float
    lang: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Hits best first, and whether the top one is good enough to answer with on its own."""

    hits: list[Hit]
    confident: bool = False
    confidence: float = 0.0

    @property
    def best(self) -> Hit | None:
        """The top hit, if any."""
        return self.hits[0] if self.hits else None
