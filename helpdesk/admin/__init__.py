"""The web admin under /admin: server-rendered pages (Jinja2) for KB articles, tickets, engineers, clients,
SLA policies and reports, behind a staff login with roles, server-side sessions, CSRF checks and a login
rate limit. `docs/admin.md` describes it.
"""

from helpdesk.admin.app import add_admin_routes

__all__ = ["add_admin_routes"]
