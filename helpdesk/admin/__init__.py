"""The web admin under /admin: server-rendered pages (Jinja2) for KB articles, tickets, engineers, clients,
SLA policies and reports, behind a staff login with roles, server-side sessions, CSRF checks and a login
rate limit. `docs/admin.md` describes it.

`helpdesk.admin.app.add_admin_routes` mounts it. The package imports nothing itself: `helpdesk demo-data`
uses `helpdesk.admin.demo` and must not pay for every page's imports (the act's PDF fonts, the templates).
"""
