"""The words a refusal's fields are given, marked for the domain's catalogue with the context "value".

A refusal names what it refuses with a word the code passes as a field (`{action}` is "reopen", `{what}` is
"the job limit", `{field}` is "problem description", a role, an approval's state). `dialogue.refusals` says such a
word in Russian when the catalogue has it under the context "value" (and a status by its Russian name); a word
it does not know stays as it is. They are listed here, one place, because most come from enums and field names
said in many places; `tests/unit/ticket_core/test_i18n.py` fails on a word no code of the package says any more.
"""

from __future__ import annotations

from ticket_core.i18n import NC_

VALUE = "value"
"""The catalogue's context of these words (as opposed to a template)."""

VALUE_WORDS = (
    NC_("value", "a supervisor"),
    NC_("value", "accept"),
    NC_("value", "acknowledge SLA alerts"),
    NC_("value", "address"),
    NC_("value", "adjust charges"),
    NC_("value", "admin"),
    NC_("value", "approved"),
    NC_("value", "cancel"),
    NC_("value", "category"),
    NC_("value", "change a priority"),
    NC_("value", "client"),
    NC_("value", "client_id"),
    NC_("value", "close"),
    NC_("value", "comment"),
    NC_("value", "declined"),
    NC_("value", "end"),
    NC_("value", "engineer"),
    NC_("value", "engineer_id"),
    NC_("value", "estimate"),
    NC_("value", "extend an SLA"),
    NC_("value", "go-ahead"),
    NC_("value", "hold"),
    NC_("value", "lang"),
    NC_("value", "latitude"),
    NC_("value", "level"),
    NC_("value", "longitude"),
    NC_("value", "note"),
    NC_("value", "offer"),
    NC_("value", "problem description"),
    NC_("value", "reason"),
    NC_("value", "reason for the extension"),
    NC_("value", "reason for waiting"),
    NC_("value", "reassign a job"),
    NC_("value", "record payments"),
    NC_("value", "recover"),
    NC_("value", "reopen"),
    NC_("value", "resolution note"),
    NC_("value", "resolve"),
    NC_("value", "resume"),
    NC_("value", "return_to_queue"),
    NC_("value", "reverse ledger rows"),
    NC_("value", "sell packages"),
    NC_("value", "shifts"),
    NC_("value", "site_id"),
    NC_("value", "start"),
    NC_("value", "supervisor"),
    NC_("value", "system"),
    NC_("value", "the client to approve the estimate"),
    NC_("value", "the job limit"),
    NC_("value", "this profile"),
    NC_("value", "void packages"),
)
