from experta import AND, NOT, OR, L, Rule

from ..facts import A, CauseFamily, NotImproving, PregnantOrPostpartum, RedFlag
from .base import STATE, Topic


class TreatmentRules(Topic):
    """Treatments, and the claims of one promotional source."""

    topic = "treatment"

    @Rule(A.pain_sites(), NOT(RedFlag()), salience=STATE)
    def first_line_care(self):
        """Pain and no warning sign: the treatments the sources describe first."""
        self.say("conservative_care")

    @Rule(A.treatments(value=~L("none")), NotImproving(), salience=STATE)
    def treatment_not_helping(self):
        """Treatment tried and the pain is not improving: see the provider again."""
        self.say("no_improvement")

    @Rule(
        OR(
            A.treatments(value="biologic"),
            AND(
                A.mri_result(value="bme"),
                A.pain_duration(value=L("3_to_12_months") | L("over_12_months")),
            ),
        ),
        NOT(A.age_band(value="under_18")),
        NOT(PregnantOrPostpartum()),
        NOT(RedFlag()),
        salience=STATE,
    )
    def promoted_procedures(self):
        """PRP or stem cells tried, or BME on MRI after months: adults, no pregnancy or warning."""
        self.say("clinic_claims")

    @Rule(CauseFamily(name="vascular"), NOT(A.treatments(value="surgery")), salience=STATE)
    def surgery_background(self):
        """Osteonecrosis, no operation yet: what the sources say about surgery."""
        self.say("surgery_options")

    @Rule(A.treatments(value="surgery"), salience=STATE)
    def surgery_done(self):
        """An operation on the bone already: what it may have been, and what to tell."""
        self.say("surgery_had")

    @Rule(A.treatments(value=L("shock_wave") | L("bone_medicines")), salience=STATE)
    def other_treatments_tried(self):
        """Shock wave therapy or bone medicines tried: what the sources say of them."""
        self.say("other_treatments")
