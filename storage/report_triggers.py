"""The triggers that keep the report rollups in the same transaction as the change (SQLite and PostgreSQL).

What each trigger adds or takes away is in `storage.report_rollup_sql` (the statements the back-fill
shares); this module wraps them in triggers, and PostgreSQL's in trigger functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.report_rollup_sql import (
    CELL_DELTAS,
    CELLS,
    DIST_DELTAS,
    DISTS,
    KB_KINDS_SQL,
    REPORTED_COLUMNS,
    Dialect,
    alert_move_sql,
    cells_sql,
    dists_sql,
    kb_link_sql,
    max_level_sql,
)


def _ticket_changed(pg: bool) -> str:
    """True when an update changed a reported column (the trigger's WHEN)."""
    if pg:
        old = ", ".join(f"OLD.{c}" for c in REPORTED_COLUMNS)
        new = ", ".join(f"NEW.{c}" for c in REPORTED_COLUMNS)
        return f"ROW({old}) IS DISTINCT FROM ROW({new})"
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in REPORTED_COLUMNS)


@dataclass(frozen=True)
class Targets:
    """Where the triggers write: the deltas (since migration 0015) or, as migration 0010 made them, the cells."""

    cells: str = CELL_DELTAS
    dists: str = DIST_DELTAS


DIRECT = Targets(CELLS, DISTS)


def _ticket_statements(d: Dialect, t: str, sign: int, to: Targets) -> list[str]:
    return [
        cells_sql(d, t, sign, into=to.cells),
        dists_sql(d, t, sign, max_level_sql(f"{t}.id"), into=to.dists),
    ]


def _alert_statements(d: Dialect, op: str, to: Targets) -> list[str]:
    """SQLite (row triggers, run as each row changes): the old row's ticket loses it, the new row's gains it."""
    x = "x.ticket_id"
    out = []
    if op in ("DELETE", "UPDATE"):
        out.append(
            alert_move_sql(
                d,
                "SELECT OLD.ticket_id AS ticket_id",
                max_level_sql(x, but="OLD.id", plus="OLD.level"),
                max_level_sql(x, but="OLD.id"),
                to.dists,
            )
        )
    if op in ("INSERT", "UPDATE"):
        out.append(
            alert_move_sql(
                d,
                "SELECT NEW.ticket_id AS ticket_id",
                max_level_sql(x, but="NEW.id"),
                max_level_sql(x),
                to.dists,
            )
        )
    return out


def _pg_alert_statement(d: Dialect, op: str, to: Targets) -> str:
    """PostgreSQL (statement triggers with transition tables): every ticket the statement touched moves
    from its highest level before the statement to its highest level after it.

    Row triggers would not do here: PostgreSQL runs them after the whole statement, so a statement that
    changes two alerts of one ticket would show each trigger the final levels only.
    """
    x = "x.ticket_id"
    touched = []
    kept = f"SELECT level FROM sla_alerts WHERE ticket_id = {x}"
    if op != "INSERT":
        touched.append("SELECT ticket_id FROM old_rows")
    if op != "DELETE":
        touched.append("SELECT ticket_id FROM new_rows")
        kept += " AND id NOT IN (SELECT id FROM new_rows)"
    if op != "INSERT":
        kept += f" UNION ALL SELECT level FROM old_rows WHERE ticket_id = {x}"
    before = f"(SELECT max(level) FROM ({kept}) was)"
    return alert_move_sql(d, " UNION ".join(touched), before, max_level_sql(x), to.dists)


TRIGGERS = (
    "report_tickets_ins",
    "report_tickets_upd",
    "report_tickets_del",
    "report_alerts_ins",
    "report_alerts_upd",
    "report_alerts_del",
    "report_kb_link",
)


def _sqlite_triggers(d: Dialect, to: Targets) -> list[str]:
    def trigger(name: str, when: str, table: str, body: list[str], cond: str | None = None) -> str:
        where = f" WHEN {cond}" if cond else ""
        return f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW{where} BEGIN {'; '.join(body)}; END"

    changed = _ticket_changed(pg=False)
    return [
        trigger("report_tickets_ins", "AFTER INSERT", "tickets", _ticket_statements(d, "NEW", 1, to)),
        trigger(
            "report_tickets_upd",
            "AFTER UPDATE",
            "tickets",
            _ticket_statements(d, "OLD", -1, to) + _ticket_statements(d, "NEW", 1, to),
            changed,
        ),
        trigger("report_tickets_del", "BEFORE DELETE", "tickets", _ticket_statements(d, "OLD", -1, to)),
        trigger("report_alerts_ins", "AFTER INSERT", "sla_alerts", _alert_statements(d, "INSERT", to)),
        trigger(
            "report_alerts_upd",
            "AFTER UPDATE OF ticket_id, level",
            "sla_alerts",
            _alert_statements(d, "UPDATE", to),
        ),
        trigger("report_alerts_del", "AFTER DELETE", "sla_alerts", _alert_statements(d, "DELETE", to)),
        trigger(
            "report_kb_link", "AFTER INSERT", "interactions", kb_link_sql(d), f"NEW.kind IN ({KB_KINDS_SQL})"
        ),
    ]


def _pg_function(name: str, body: list[str], returns: str = "NULL") -> str:
    statements = "".join(f"  {s};\n" for s in body)
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n"
        f"{statements}  RETURN {returns};\nEND\n$fn$"
    )


def _pg_triggers(d: Dialect, to: Targets) -> list[str]:
    changed = _ticket_changed(pg=True)
    tables = sorted({CELLS, DISTS, to.cells, to.dists})
    dist_tables = sorted({DISTS, to.dists})
    # Inserts per statement (a transition table): a bulk insert adds each cell once, not once per ticket.
    inserted = [
        cells_sql(d, "t", 1, source="new_rows t CROSS JOIN ", into=to.cells),
        dists_sql(d, "t", 1, max_level_sql("t.id"), source="new_rows t CROSS JOIN ", into=to.dists),
    ]
    return [
        _pg_function("report_tickets_ins", inserted),
        _pg_function(
            "report_tickets_upd", _ticket_statements(d, "OLD", -1, to) + _ticket_statements(d, "NEW", 1, to)
        ),
        # BEFORE DELETE: the SLA alerts (deleted by the cascade afterwards) still give the level.
        _pg_function("report_tickets_del", _ticket_statements(d, "OLD", -1, to), returns="OLD"),
        _pg_function("report_alerts_ins", [_pg_alert_statement(d, "INSERT", to)]),
        _pg_function("report_alerts_upd", [_pg_alert_statement(d, "UPDATE", to)]),
        _pg_function("report_alerts_del", [_pg_alert_statement(d, "DELETE", to)]),
        _pg_function("report_kb_link", kb_link_sql(d)),
        _pg_function("report_tickets_truncate", [f"DELETE FROM {t}" for t in tables]),
        _pg_function(
            "report_alerts_truncate", [f"DELETE FROM {t} WHERE metric = 'alert'" for t in dist_tables]
        ),
        "CREATE TRIGGER report_tickets_ins AFTER INSERT ON tickets REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_tickets_ins()",
        f"CREATE TRIGGER report_tickets_upd AFTER UPDATE ON tickets FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION report_tickets_upd()",
        "CREATE TRIGGER report_tickets_del BEFORE DELETE ON tickets FOR EACH ROW EXECUTE FUNCTION report_tickets_del()",
        "CREATE TRIGGER report_alerts_ins AFTER INSERT ON sla_alerts REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_alerts_ins()",
        # transition tables allow no column list: an acknowledgement runs it too, and moves nothing
        "CREATE TRIGGER report_alerts_upd AFTER UPDATE ON sla_alerts REFERENCING OLD TABLE AS old_rows "
        "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_alerts_upd()",
        "CREATE TRIGGER report_alerts_del AFTER DELETE ON sla_alerts REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_alerts_del()",
        f"CREATE TRIGGER report_kb_link AFTER INSERT ON interactions FOR EACH ROW "
        f"WHEN (NEW.kind IN ({KB_KINDS_SQL})) EXECUTE FUNCTION report_kb_link()",
        "CREATE TRIGGER report_tickets_truncate AFTER TRUNCATE ON tickets FOR EACH STATEMENT "
        "EXECUTE FUNCTION report_tickets_truncate()",
        "CREATE TRIGGER report_alerts_truncate AFTER TRUNCATE ON sla_alerts FOR EACH STATEMENT "
        "EXECUTE FUNCTION report_alerts_truncate()",
    ]


_PG_FUNCTIONS = (*TRIGGERS, "report_tickets_truncate", "report_alerts_truncate")


def create_triggers(dialect: str, to: Targets = Targets()) -> list[str]:
    """The statements that create the rollup triggers (and, on PostgreSQL, their functions); `to`: where
    they write (migrations keep the targets of their time)."""
    d = Dialect(dialect)
    return _pg_triggers(d, to) if d.pg else _sqlite_triggers(d, to)


def drop_triggers(dialect: str) -> list[str]:
    """The statements that drop the rollup triggers (and functions)."""
    d = Dialect(dialect)
    if not d.pg:
        return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]
    return [f"DROP FUNCTION IF EXISTS {name}() CASCADE" for name in _PG_FUNCTIONS]


def kb_pair_index(dialect: str) -> str:
    """The expression index that finds the interactions of one KB pair (the triggers' lookups)."""
    query = "md5(coalesce(query, ''))" if Dialect(dialect).pg else "coalesce(query, '')"
    return f"CREATE INDEX ix_interactions_kb_pair ON interactions (coalesce(contact_id, ''), {query}, at)"
