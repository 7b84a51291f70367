from experta import NOT, L, Rule

from ..facts import A, CauseFamily, PregnantOrPostpartum, RedFlag, WeightBearingSite
from .base import DERIVE, STATE, Topic

METABOLIC = (
    L("osteoporosis")
    | L("kidney_disease")
    | L("cushings")
    | L("hyperparathyroidism")
    | L("low_vitamin_d")
)


class MetabolicRules(Topic):
    """Metabolic bone conditions and bone marrow edema syndrome."""

    topic = "metabolic"

    @Rule(A.medical_history(value=METABOLIC), salience=DERIVE)
    def metabolic_condition(self):
        """Osteoporosis, kidney disease, Cushing's, hyperparathyroidism, low vitamin D."""
        self.declare(CauseFamily(name="metabolic"))

    @Rule(CauseFamily(name="metabolic"), salience=STATE)
    def metabolic_cause(self):
        """Metabolic conditions may cause bone marrow edema."""
        self.say("metabolic_link")

    # Not chosen by age or sex, which would read as "you fit the profile"; not beside a
    # warning sign, where "no known cause" could read as reassurance.
    @Rule(
        WeightBearingSite(),
        NOT(CauseFamily()),
        NOT(PregnantOrPostpartum()),
        NOT(RedFlag()),
        salience=STATE,
    )
    def syndrome_profile(self):
        """Leg-joint pain, no known cause or pregnancy, no warning: what the sources say of BMES."""
        self.say("bmes_profile")

    @Rule(
        A.medical_history(value=L("high_cholesterol") | L("low_vitamin_d")),
        salience=STATE,
    )
    def cholesterol_vitamin_d(self):
        """High cholesterol or low vitamin D: one source relates them to BMES."""
        self.say("bmes_related")
