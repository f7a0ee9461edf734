"""The SQL that keeps the report rollups: what a row adds to them (the triggers of `storage.report_triggers`
run it), the set-based back-fill and the fold of the deltas.

A ticket row contributes to the cells (`storage.report_tables`) of its creation day, its resolve day (when
its status is resolved or closed) and its finish day, once per dimension and grain; and to the histograms
of its first response time, its time to resolve and its highest SLA alert level. Triggers keep that
contribution in the same transaction as the change: a ticket insert adds it, an update that touches a
reported column takes the old row's away and adds the new row's (a reassign, a resolve, a reopen, a rating),
a delete takes it away (BEFORE, while its SLA alerts still exist), and an SLA alert insert, update or
delete moves the ticket from its old highest level to its new one. TRUNCATE (PostgreSQL) empties them.

KB interactions get `prev_at`, the time of the previous interaction of the same (contact, question) and
class (asked: `kb_answer`/`kb_no_answer`; helped: `kb_helped`), so the distinct pairs of any period are the
period's interactions whose `prev_at` is before the period or missing (`storage.report_rollups`).

The same statements, with the ticket as a table instead of NEW/OLD, back-fill existing rows (migration
0010, `benchmarks.seed`).
"""

from __future__ import annotations

import itertools

from ticket_core.reports.histogram import FLOOR_S, STEPS
from ticket_core.reports.reference import KB_DEFLECTED_KIND, KB_REQUEST_KINDS, RESOLVED_STATUSES

DIMS: dict[str, str] = {
    "all": "''",
    "category": "{t}.category",
    "client": "{t}.client_id",
    "site": "coalesce({t}.site_id, '')",
    "engineer": "coalesce({t}.assignee_id, '')",
}
"""Report dimensions and the key a ticket has in each ("all" holds every ticket under one key)."""

MONTH_BLOCKS = (1, 2, 4, 8)
"""Month-block sizes: a block of k months starts at a month whose index (year * 12 + month - 1) k divides.

A period's whole months are a few aligned blocks (11 months: 8 + 2 + 1), so a report over a year reads
about as many cells as one block holds, however many months it spans.
"""

GRAINS = ("d", *(str(k) for k in MONTH_BLOCKS))
"""Cell grains: "d" for a UTC day, "1", "2", "4", "8" for blocks of that many calendar months (UTC)."""

REPORTED_COLUMNS = (
    "id",
    "created_at",
    "status",
    "category",
    "client_id",
    "site_id",
    "assignee_id",
    "first_response_at",
    "resolved_at",
    "cancelled_at",
    "on_hold_at",
    "rating",
    "reopen_count",
)
"""The ticket columns the rollups read: an update that changes none of them changes no cell."""

_LN2 = "0.6931471805599453"
_RESOLVED = ", ".join(f"'{s}'" for s in RESOLVED_STATUSES)
_KB_ASKED = ", ".join(f"'{k}'" for k in KB_REQUEST_KINDS)
_KB_HELPED = f"'{KB_DEFLECTED_KIND}'"


class Dialect:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, name: str) -> None:
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"report rollups support sqlite and postgresql, not {name}")
        self.name = name
        self.pg = name == "postgresql"

    def day(self, ts: str) -> str:
        """The UTC date of a timestamp."""
        return f"(({ts}) AT TIME ZONE 'UTC')::date" if self.pg else f"date({ts})"

    def block(self, value: str, months: int, *, is_date: bool = False) -> str:
        """The first day of the `months`-month block (see MONTH_BLOCKS) of a timestamp (UTC) or a date."""
        if self.pg:
            wall = f"CAST({value} AS timestamp)" if is_date else f"(({value}) AT TIME ZONE 'UTC')"
            index = f"(CAST(EXTRACT(YEAR FROM {wall}) AS integer) * 12 + CAST(EXTRACT(MONTH FROM {wall}) AS integer) - 1)"
            back = f" - ({index} % {months}) * INTERVAL '1 month'" if months > 1 else ""
            return f"CAST(date_trunc('month', {wall}){back} AS date)"
        if months == 1:
            return f"date({value}, 'start of month')"
        index = (
            f"(CAST(strftime('%Y', {value}) AS INTEGER) * 12 + CAST(strftime('%m', {value}) AS INTEGER) - 1)"
        )
        return f"date({value}, 'start of month', '-' || ({index} % {months}) || ' months')"

    def seconds(self, later: str, earlier: str) -> str:
        """`later - earlier` in seconds (a float)."""
        if self.pg:
            return f"date_part('epoch', ({later}) - ({earlier}))"
        return f"((julianday({later}) - julianday({earlier})) * 86400.0)"

    def query_key(self, ref: str) -> str:
        """What the KB pair index holds of a question: the text on SQLite, its md5 on PostgreSQL (long texts)."""
        text = f"coalesce({ref}.query, '')"
        return f"md5({text})" if self.pg else text


def bucket_sql(seconds: str) -> str:
    """`ticket_core.reports.histogram.bucket_of` in SQL (both dialects have ln and floor)."""
    log2 = f"ln(({seconds}) / {FLOOR_S!r}) / {_LN2}"
    return (
        f"(CASE WHEN ({seconds}) < {FLOOR_S!r} THEN 0 ELSE 1 + CAST(floor({STEPS} * {log2}) AS INTEGER) END)"
    )


_DIM_NAMES = " UNION ALL ".join(f"SELECT '{dim}' AS dim" for dim in DIMS)


def _key(t: str) -> str:
    """The ticket's key in the dimension `dd.dim` (constant dimension rows, so no lateral join is needed)."""
    whens = " ".join(f"WHEN '{dim}' THEN {key.format(t=t)}" for dim, key in DIMS.items())
    return f"CASE dd.dim {whens} END"


def _start(d: Dialect, grain: str, at: str) -> str:
    """The start of the cell of grain `grain` (an SQL expression) that holds timestamp `at`."""
    blocks = " ".join(f"WHEN '{k}' THEN {d.block(at, k)}" for k in MONTH_BLOCKS)
    return f"CASE {grain} WHEN 'd' THEN {d.day(at)} {blocks} END"


def _grains_sql(grains: tuple[str, ...]) -> str:
    return " UNION ALL ".join(f"SELECT '{g}' AS grain" for g in grains)


def _resolved_at(t: str) -> str:
    return f"(CASE WHEN {t}.status IN ({_RESOLVED}) THEN {t}.resolved_at END)"


def _done_at(t: str) -> str:
    return (
        f"(CASE WHEN {t}.status IN ({_RESOLVED}) THEN {t}.resolved_at"
        f" WHEN {t}.status = 'cancelled' THEN {t}.cancelled_at END)"
    )


_CELL_COLUMNS = ("opened", "resolved", "fcr", "reopened", "rated", "rating_sum", "finished")

CELLS, DISTS = "report_cells", "report_dists"
CELL_DELTAS, DIST_DELTAS = "report_cell_deltas", "report_dist_deltas"
"""Where rollup statements write: the cells themselves (the back-fill, the fold) or the deltas (triggers)."""


def cells_sql(
    d: Dialect, t: str, sign: int, source: str = "", grains: tuple[str, ...] = GRAINS, into: str = CELL_DELTAS
) -> str:
    """Add `sign` times the cell counts of ticket `t` (NEW, OLD, or an alias of `source`) to `into`: as new
    delta rows, or added to the cells (`CELLS`)."""
    at = f"CASE e.ev WHEN 1 THEN {t}.created_at WHEN 2 THEN {_resolved_at(t)} ELSE {_done_at(t)} END"
    resolved = "CASE WHEN e.ev = 2 THEN {} ELSE 0 END"
    measures = {
        "opened": "CASE WHEN e.ev = 1 THEN 1 ELSE 0 END",
        "resolved": resolved.format("1"),
        "fcr": resolved.format(
            f"CASE WHEN {t}.reopen_count = 0 AND {t}.on_hold_at IS NULL THEN 1 ELSE 0 END"
        ),
        "reopened": resolved.format(f"CASE WHEN {t}.reopen_count > 0 THEN 1 ELSE 0 END"),
        "rated": resolved.format(f"CASE WHEN {t}.rating IS NOT NULL THEN 1 ELSE 0 END"),
        "rating_sum": resolved.format(f"coalesce({t}.rating, 0)"),
        "finished": "CASE WHEN e.ev = 3 THEN 1 ELSE 0 END",
    }
    sums = ", ".join(f"{sign} * sum({measures[c]})" for c in _CELL_COLUMNS)
    return _add_cells(
        into,
        f"SELECT g.grain, dd.dim, {_start(d, 'g.grain', at)}, {_key(t)}, {sums} "
        f"FROM {source}(SELECT 1 AS ev UNION ALL SELECT 2 UNION ALL SELECT 3) e "
        f"CROSS JOIN ({_DIM_NAMES}) dd CROSS JOIN ({_grains_sql(grains)}) g "
        f"WHERE ({at}) IS NOT NULL "
        "GROUP BY 1, 2, 3, 4",
    )


def _add_cells(into: str, select: str) -> str:
    """Insert the cell rows `select` gives into `into`; into the cells, add them to the rows already there."""
    insert = f"INSERT INTO {into} (grain, dim, start, key, {', '.join(_CELL_COLUMNS)}) {select}"
    if into != CELLS:
        return insert
    updates = ", ".join(f"{c} = report_cells.{c} + excluded.{c}" for c in _CELL_COLUMNS)
    return f"{insert} ON CONFLICT (grain, dim, start, key) DO UPDATE SET {updates}"


def _upsert_dists(select: str, into: str = DIST_DELTAS) -> str:
    insert = f"INSERT INTO {into} (grain, dim, metric, start, key, bucket, n) {select}"
    if into != DISTS:
        return insert
    return (
        f"{insert} "
        "ON CONFLICT (grain, dim, metric, start, key, bucket) DO UPDATE SET n = report_dists.n + excluded.n"
    )


def dists_sql(
    d: Dialect,
    t: str,
    sign: int,
    level: str,
    source: str = "",
    grains: tuple[str, ...] = GRAINS,
    into: str = DIST_DELTAS,
) -> str:
    """Add `sign` times ticket `t`'s durations and alert level (the SQL `level`) to report_dists."""
    at = (
        f"CASE m.metric WHEN 'frt' THEN (CASE WHEN {t}.first_response_at IS NOT NULL THEN {t}.created_at END)"
        f" ELSE {_resolved_at(t)} END"
    )
    bucket = (
        f"CASE m.metric WHEN 'frt' THEN {bucket_sql(d.seconds(f'{t}.first_response_at', f'{t}.created_at'))}"
        f" WHEN 'mttr' THEN {bucket_sql(d.seconds(f'{t}.resolved_at', f'{t}.created_at'))} ELSE {level} END"
    )
    return _upsert_dists(
        f"SELECT g.grain, dd.dim, m.metric, {_start(d, 'g.grain', at)}, {_key(t)}, {bucket}, {sign} * count(*) "
        f"FROM {source}(SELECT 'frt' AS metric UNION ALL SELECT 'mttr' UNION ALL SELECT 'alert') m "
        f"CROSS JOIN ({_DIM_NAMES}) dd CROSS JOIN ({_grains_sql(grains)}) g "
        f"WHERE ({at}) IS NOT NULL AND ({bucket}) IS NOT NULL "
        "GROUP BY 1, 2, 3, 4, 5, 6",
        into,
    )


def max_level_sql(ticket_id: str, but: str | None = None, plus: str | None = None) -> str:
    """The highest alert level of a ticket, leaving out alert `but` and adding level `plus` (SQL)."""
    rows = f"SELECT level FROM sla_alerts WHERE ticket_id = {ticket_id}"
    if but is not None:
        rows += f" AND id <> {but}"
    if plus is not None:
        rows += f" UNION ALL SELECT {plus}"
    return f"(SELECT max(level) FROM ({rows}) levels)"


def alert_move_sql(d: Dialect, affected: str, before: str, after: str, into: str = DIST_DELTAS) -> str:
    """Move each affected resolved ticket's alert histogram entry from level `before` to level `after`.

    `affected` selects `ticket_id`s; `before` and `after` are SQL of `x.ticket_id` (None: no alert).
    """
    at = _resolved_at("t")
    level = "CASE s.sgn WHEN -1 THEN lv.b ELSE lv.a END"
    return _upsert_dists(
        f"SELECT g.grain, dd.dim, 'alert', {_start(d, 'g.grain', at)}, {_key('t')}, {level}, sum(s.sgn) "
        f"FROM (SELECT x.ticket_id, {before} AS b, {after} AS a FROM ({affected}) x) lv "
        "JOIN tickets t ON t.id = lv.ticket_id CROSS JOIN (SELECT -1 AS sgn UNION ALL SELECT 1) s "
        f"CROSS JOIN ({_DIM_NAMES}) dd CROSS JOIN ({_grains_sql(GRAINS)}) g "
        f"WHERE ({at}) IS NOT NULL AND ({level}) IS NOT NULL "
        "GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(s.sgn) <> 0",
        into,
    )


def _same_pair(d: Dialect, p: str, ref: str) -> str:
    asked = f"({p}.kind IN ({_KB_ASKED}) AND {ref}.kind IN ({_KB_ASKED}))"
    helped = f"({p}.kind = {_KB_HELPED} AND {ref}.kind = {_KB_HELPED})"
    return (
        f"({asked} OR {helped}) AND coalesce({p}.contact_id, '') = coalesce({ref}.contact_id, '') "
        f"AND {d.query_key(p)} = {d.query_key(ref)} AND coalesce({p}.query, '') = coalesce({ref}.query, '')"
    )


def kb_link_sql(d: Dialect) -> list[str]:
    """Statements that link a new KB interaction (NEW) to the previous and next one of its pair and class."""
    before = "(p.at < NEW.at OR (p.at = NEW.at AND p.id < NEW.id))"
    after = before.replace("p.", "n.").replace("<", ">")
    return [
        f"UPDATE interactions SET prev_at = (SELECT max(p.at) FROM interactions p WHERE {_same_pair(d, 'p', 'NEW')} "
        f"AND {before}) WHERE id = NEW.id",
        # Usually nothing: only an interaction recorded out of time order has a later one to relink.
        f"UPDATE interactions SET prev_at = NEW.at WHERE id = (SELECT n.id FROM interactions n "
        f"WHERE {_same_pair(d, 'n', 'NEW')} AND {after} ORDER BY n.at, n.id LIMIT 1)",
    ]


KB_KINDS_SQL = f"{_KB_ASKED}, {_KB_HELPED}"
"""The interaction kinds the KB figures count, as an SQL list."""


def _blocks_from_below(d: Dialect) -> list[str]:
    out = []
    for below, grain in itertools.pairwise(GRAINS):
        start = d.block("start", int(grain), is_date=True)
        cells = ", ".join(f"sum({c})" for c in _CELL_COLUMNS)
        out += [
            f"INSERT INTO report_cells (grain, dim, start, key, {', '.join(_CELL_COLUMNS)}) "
            f"SELECT '{grain}', dim, {start}, key, {cells} FROM report_cells WHERE grain = '{below}' "
            "GROUP BY 1, 2, 3, 4",
            "INSERT INTO report_dists (grain, dim, metric, start, key, bucket, n) "
            f"SELECT '{grain}', dim, metric, {start}, key, bucket, sum(n) FROM report_dists "
            f"WHERE grain = '{below}' GROUP BY 1, 2, 3, 4, 5, 6",
        ]
    return out


def backfill(dialect: str, deltas: tuple[str, ...] = (CELL_DELTAS, DIST_DELTAS)) -> list[str]:
    """Statements that rebuild every rollup and KB link from the rows (for empty or stale rollups); the
    deltas waiting to be folded are dropped, being counted in the rebuild (`deltas`: the delta tables the
    schema has; none before migration 0015)."""
    d = Dialect(dialect)
    levels = "LEFT JOIN (SELECT ticket_id, max(level) AS level FROM sla_alerts GROUP BY ticket_id) al ON al.ticket_id = t.id"
    source = f"tickets t {levels} CROSS JOIN "
    kind_class = f"CASE WHEN kind IN ({_KB_ASKED}) THEN 'a' ELSE 'h' END"
    return [
        "DELETE FROM report_cells",
        "DELETE FROM report_dists",
        *(f"DELETE FROM {t}" for t in deltas),
        cells_sql(d, "t", 1, source=source, grains=("d",), into=CELLS),
        dists_sql(d, "t", 1, "al.level", source=source, grains=("d",), into=DISTS),
        # each block from the one below it: a fraction of the work of reading every ticket again
        *_blocks_from_below(d),
        "UPDATE interactions SET prev_at = NULL WHERE prev_at IS NOT NULL",
        "UPDATE interactions SET prev_at = lk.prev FROM ("
        f"SELECT id, lag(at) OVER (PARTITION BY {kind_class}, coalesce(contact_id, ''), coalesce(query, '') "
        f"ORDER BY at, id) AS prev FROM interactions WHERE kind IN ({KB_KINDS_SQL})) lk "
        "WHERE lk.id = interactions.id AND lk.prev IS NOT NULL",
    ]


FOLD_LOCK = 0x5EED_F01D
"""The PostgreSQL advisory lock of the fold: one folder at a time, the others skip their turn."""


def fold_sql(dialect: str, limit: int) -> list[str]:
    """Statements that move up to `limit` delta rows of each kind into the cells and delete them.

    PostgreSQL: one statement per kind (the delete and the insert see one snapshot, so a delta that commits
    meanwhile is left for the next fold, never deleted unfolded); the cells are written in key order. SQLite
    (one writer at a time): the insert and the delete of the rows up to the largest id at the start,
    `:cells_upto` and `:dists_upto`.
    """
    d = Dialect(dialect)
    kinds = (
        (CELL_DELTAS, "grain, dim, start, key", _CELL_COLUMNS, ":cells_upto"),
        (DIST_DELTAS, "grain, dim, metric, start, key, bucket", ("n",), ":dists_upto"),
    )
    out = []
    for deltas, key, counts, upto in kinds:
        sums = ", ".join(f"sum({c})" for c in counts)
        by = ", ".join(str(i + 1) for i in range(key.count(",") + 1))
        if d.pg:
            # A data-modifying WITH must lead the statement.
            out.append(
                f"WITH moved AS (DELETE FROM {deltas} WHERE id IN "
                f"(SELECT id FROM {deltas} ORDER BY id LIMIT {int(limit)}) RETURNING *) "
                + _fold_insert(deltas, f"SELECT {key}, {sums} FROM moved GROUP BY {by} ORDER BY {by}")
            )
        else:
            out.append(
                _fold_insert(deltas, f"SELECT {key}, {sums} FROM {deltas} WHERE id <= {upto} GROUP BY {by}")
            )
            out.append(f"DELETE FROM {deltas} WHERE id <= {upto}")
    return out


def _fold_insert(deltas: str, select: str) -> str:
    if deltas == CELL_DELTAS:
        return _add_cells(CELLS, select)
    return _upsert_dists(select, DISTS)
