from experta import L, Rule

from ..facts import A, CauseFamily
from .base import DERIVE, STATE, Topic


class InflammatoryRules(Topic):
    """Inflammatory and degenerative joint conditions."""

    topic = "inflammatory"

    @Rule(
        A.medical_history(value=L("inflammatory_arthritis") | L("ankylosing_spondylitis")),
        salience=DERIVE,
    )
    def inflammatory_condition(self):
        """Rheumatoid, psoriatic arthritis or ankylosing spondylitis: inflammatory causes."""
        self.declare(CauseFamily(name="inflammatory"))

    @Rule(A.medical_history(value="osteoarthritis"), salience=DERIVE)
    def degenerative_condition(self):
        """Osteoarthritis: a degenerative cause."""
        self.declare(CauseFamily(name="degenerative"))

    @Rule(CauseFamily(name="inflammatory"), salience=STATE)
    def inflammatory_cause(self):
        """Inflammatory arthritis can lead to bone marrow edema."""
        self.say("inflammatory_link")

    @Rule(CauseFamily(name="degenerative"), salience=STATE)
    def degenerative_cause(self):
        """Osteoarthritis can lead to bone marrow edema."""
        self.say("degenerative_link")
