from experta import NOT, L, Rule

from ..facts import A, CauseFamily, WeightBearingSite
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

    @Rule(
        A.sex(value="male"),
        A.age_band(value=L("30_39") | L("40_60")),
        WeightBearingSite(),
        NOT(CauseFamily()),
        salience=STATE,
    )
    def syndrome_profile(self):
        """A man of 30 to 60, leg-joint pain, no known cause: what the sources say of BMES."""
        self.say("bmes_profile")

    @Rule(
        A.medical_history(value=L("high_cholesterol") | L("low_vitamin_d")),
        salience=STATE,
    )
    def cholesterol_vitamin_d(self):
        """High cholesterol or low vitamin D: one source relates them to BMES."""
        self.say("bmes_related")
