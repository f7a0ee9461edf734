"""Articles, audiences and who may read what."""

from __future__ import annotations

import pytest

from kb_search.model import Article, ArticleStatus, KbError, Reader, parse_audience


def art(audience: str, status: ArticleStatus = ArticleStatus.PUBLISHED) -> Article:
    return Article("a1", "Title", "Body", audience=audience, status=status)


@pytest.mark.parametrize("good", ["public", "internal", "client:acme", " client:romashka ", "client:a.b-c_1"])
def test_valid_audiences_parse(good: str) -> None:
    assert parse_audience(good) == good.strip()


@pytest.mark.parametrize(
    "bad", ["", "PUBLIC", "client:", "client:*", "client:a b", "staff", "client:x;drop", "клиент:acme"]
)
def test_bad_audiences_are_refused_with_a_hint(bad: str) -> None:
    with pytest.raises(KbError, match=r"public, internal or client:<id>|invalid client id"):
        parse_audience(bad)


def test_reader_matrix() -> None:
    public, internal, acme, other = art("public"), art("internal"), art("client:acme"), art("client:nordlog")
    anon, client, staff = Reader.public(), Reader.client("acme"), Reader.staff()
    assert [anon.may_read(a) for a in (public, internal, acme, other)] == [True, False, False, False]
    assert [client.may_read(a) for a in (public, internal, acme, other)] == [True, False, True, False]
    assert [staff.may_read(a) for a in (public, internal, acme, other)] == [True, True, True, True]


def test_nobody_reads_drafts_through_a_reader() -> None:
    draft = art("public", ArticleStatus.DRAFT)
    assert not any(r.may_read(draft) for r in (Reader.public(), Reader.client("acme"), Reader.staff()))


@pytest.mark.parametrize("junk", [None, "", "acme public", "internal' OR 1=1", "../acme"])
def test_a_malformed_client_id_never_widens_access(junk: str | None) -> None:
    reader = Reader.client(junk)
    assert not reader.may_read(art("internal"))
    assert not reader.may_read(art("client:acme"))
    assert reader.may_read(art("public"))


def test_validation_normalises_and_explains() -> None:
    a = Article(
        "x-1", "  Title ", "Body", audience="client:acme", lang="RU", tags=("Wi-Fi", "wi-fi", " ")
    ).validated()
    assert (a.title, a.lang, a.tags) == ("Title", "ru", ("wi-fi",))
    with pytest.raises(KbError, match="title is empty"):
        Article("x-1", " ", "Body").validated()
    with pytest.raises(KbError, match="invalid article id"):
        Article("bad id", "T", "Body").validated()
    with pytest.raises(KbError, match="language"):
        Article("x", "T", "Body", lang="russian").validated()


def test_reader_parse_for_the_cli() -> None:
    assert Reader.parse("internal") == Reader.staff()
    assert Reader.parse("client:acme") == Reader.client("acme")
    with pytest.raises(KbError):
        Reader.parse("everyone")


def test_edit_field_validates_and_parses_tags() -> None:
    from kb_search.editing import edit_field

    a = Article("a1", "T", "Body")
    assert edit_field(a, "tags", "Wi-Fi, router ,").tags == ("wi-fi", "router")
    assert edit_field(a, "audience", "client:acme").audience == "client:acme"
    with pytest.raises(KbError, match="audience"):
        edit_field(a, "audience", "everyone")
    with pytest.raises(KbError, match="cannot edit 'status'"):
        edit_field(a, "status", "published")
