from experta import L, Rule

from ..facts import A, CauseFamily, RedFlag
from .base import DERIVE, STATE, Topic


class CancerRules(Topic):
    """Cancer and radiation therapy."""

    topic = "cancer"

    @Rule(A.medical_history(value=L("cancer") | L("radiation")), salience=DERIVE)
    def cancer_history(self):
        """Cancer now or before, or radiation therapy: the cancer family of causes."""
        self.declare(CauseFamily(name="cancer"))

    @Rule(CauseFamily(name="cancer"), salience=DERIVE)
    def bone_pain_after_cancer(self):
        """New bone or joint pain in someone with a cancer history needs prompt attention."""
        self.declare(RedFlag(kind="cancer"))

    @Rule(RedFlag(kind="cancer"), salience=STATE)
    def warn_cancer(self):
        """Warn to contact the care team promptly about bone pain after cancer."""
        self.say("urgent_cancer")
