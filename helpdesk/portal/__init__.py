"""The client portal under /portal: a client's contacts sign in with a one-time link sent to their chat or
mail, follow their company's tickets, comment, rate, reopen, open requests and read the KB (docs/portal.md)."""

from helpdesk.portal.app import add_portal_routes

__all__ = ["add_portal_routes"]
