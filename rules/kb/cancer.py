from experta import L, Rule

from ..facts import A, CauseFamily, RedFlag
from .base import DERIVE, STATE, Topic


class CancerRules(Topic):
    """Cancer and radiation therapy, and bone pain in children."""

    topic = "cancer"

    @Rule(A.medical_history(value=L("cancer") | L("radiation")), salience=DERIVE)
    def cancer_history(self):
        """Cancer now or before, or radiation therapy: the cancer family of causes."""
        self.declare(CauseFamily(name="cancer"))

    @Rule(CauseFamily(name="cancer"), salience=DERIVE)
    def bone_pain_after_cancer(self):
        """New bone or joint pain in someone with a cancer history needs prompt attention."""
        self.declare(RedFlag(kind="cancer"))

    @Rule(A.age_band(value="under_18"), A.pain_pattern(value="night"), salience=DERIVE)
    def child_night_pain(self):
        """A child's pain at night needs a prompt check, injury or not: an injury can hide it."""
        self.declare(RedFlag(kind="child_pain"))

    @Rule(
        A.age_band(value="under_18"),
        A.pain_course(value="worse"),
        A.injury(value=L("no") | L("dont_know")),
        salience=DERIVE,
    )
    def child_pain_getting_worse(self):
        """A child's pain getting worse, without an injury, needs a prompt check."""
        self.declare(RedFlag(kind="child_pain"))

    @Rule(RedFlag(kind="cancer"), salience=STATE)
    def warn_cancer(self):
        """Warn to contact the care team promptly about bone pain after cancer."""
        self.say("urgent_cancer")

    @Rule(RedFlag(kind="child_pain"), salience=STATE)
    def warn_child_pain(self):
        """Warn to contact a doctor promptly about a child's night pain or worsening pain."""
        self.say("urgent_child_pain")
