"""What a store tells its caller when it writes nothing: web/ maps these to 404 and 409."""


class NotFound(Exception):
    """No such request (or not one this actor may see)."""


class Conflict(Exception):
    """The request changed since the actor loaded it; nothing was written."""


class DatabaseGone(Exception):
    """The database file this process serves is no longer at its path (moved, deleted or
    replaced): web/ answers 503, /healthz says the database is unavailable."""
