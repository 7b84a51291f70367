from experta import NOT, L, Rule

from ..facts import A, PregnantOrPostpartum
from .base import DERIVE, STATE, Topic


class PregnancyRules(Topic):
    """Pregnancy and the months after birth."""

    topic = "pregnancy"

    @Rule(A.pregnancy(value=L("pregnant") | L("recent_birth")), salience=DERIVE)
    def pregnant_or_recent_birth(self):
        """Pregnant now or gave birth in the last six months."""
        self.declare(PregnantOrPostpartum())

    @Rule(PregnantOrPostpartum(), A.pain_sites(value="hip_groin"), salience=STATE)
    def hip_pain_in_pregnancy(self):
        """Hip pain in or after pregnancy: transient osteoporosis of the hip."""
        self.say("pregnancy_hip")

    @Rule(PregnantOrPostpartum(), NOT(A.pain_sites(value="hip_groin")), salience=STATE)
    def pregnancy_other_pain(self):
        """Pregnancy without hip pain: mention the pregnancy to the clinician."""
        self.say("pregnancy_other")
