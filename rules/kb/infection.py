from experta import NOT, Rule

from ..facts import A, CauseFamily, InflamedSite, RedFlag
from .base import DERIVE, STATE, Topic


class InfectionRules(Topic):
    """Bone and joint infection."""

    topic = "infection"

    @Rule(A.medical_history(value="bone_infection"), salience=DERIVE)
    def infection_history(self):
        """A past bone or joint infection: the infection family of causes."""
        self.declare(CauseFamily(name="infection"))

    @Rule(A.fever(value="yes"), InflamedSite(), salience=DERIVE)
    def fever_with_local_signs(self):
        """Fever with a warm or swollen painful area: possible signs of infection."""
        self.declare(RedFlag(kind="infection"))

    @Rule(A.fever(value="yes"), CauseFamily(name="infection"), salience=DERIVE)
    def fever_after_infection(self):
        """Fever in someone who had a bone or joint infection: possible infection."""
        self.declare(RedFlag(kind="infection"))

    @Rule(RedFlag(kind="infection"), salience=STATE)
    def warn_infection(self):
        """Warn to contact a clinician promptly about possible signs of infection."""
        self.say("urgent_infection")

    @Rule(CauseFamily(name="infection"), NOT(RedFlag(kind="infection")), salience=STATE)
    def past_infection(self):
        """A past bone or joint infection, without fever: tell the clinician."""
        self.say("infection_history")
