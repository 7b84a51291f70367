"""What every topic mixin shares."""

DERIVE = 10
STATE = 0


class Topic:
    """Base of the topic mixins.

    Rules call ``self.declare(...)`` for a derived fact and ``self.say(id)`` for
    a statement of statements.toml; both come from the engine they are mixed into.
    """

    #: The topic name used in statements.toml and shown to educators.
    topic = ""
