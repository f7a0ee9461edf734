"""Read models: the paged, filtered lists the web admin and the REST API show, in one or two statements each.

Each is a typed port on the unit of work (`uow.ticket_lists`, `uow.article_lists`, `uow.directory_lists`),
read-only on the unit's session; every change goes through a use case. `helpdesk/` renders what they
return and holds no SQL of its own (`tests/unit/test_no_sql_in_helpdesk.py`).
"""
