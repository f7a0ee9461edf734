"""Equipment at the clients' sites: units of a type, their statuses and custom fields, QR sticker codes,
the tickets reported on them and the alerts monitoring sends about them (issue #19)."""
