"""SQLAlchemy 2 async storage: tables, repositories, unit of work, outbox delivery, migrations, Redis helpers.

Entry points: `storage.uow.UnitOfWorkFactory`, `storage.outbox_delivery`, `storage.migrate.upgrade`.
"""
