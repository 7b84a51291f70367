from experta import L, Rule

from ..facts import A, CauseFamily, SteroidExposure
from .base import DERIVE, STATE, Topic


class VascularSteroidRules(Topic):
    """Blood supply to the bone, and corticosteroid medicines."""

    topic = "vascular_steroids"

    @Rule(A.steroid_use(value=L("tablets") | L("injections")), salience=DERIVE)
    def takes_steroids(self):
        """Steroid tablets or injections: exposure to corticosteroids."""
        self.declare(SteroidExposure())

    @Rule(SteroidExposure(), salience=DERIVE)
    def steroid_cause(self):
        """Corticosteroid use belongs to the medicine family of causes."""
        self.declare(CauseFamily(name="steroid"))

    @Rule(A.medical_history(value="osteonecrosis"), salience=DERIVE)
    def poor_blood_supply(self):
        """Osteonecrosis: the ischaemic (blood supply) family of causes."""
        self.declare(CauseFamily(name="vascular"))

    @Rule(SteroidExposure(), salience=STATE)
    def steroid_medicines(self):
        """Corticosteroid use: one source links it with BME, another uses steroid injections."""
        self.say("steroid_link")

    @Rule(
        SteroidExposure(),
        A.steroid_duration(value=L("under_3_months") | L("3_months_or_more")),
        salience=STATE,
    )
    def steroid_medicines_for_a_time(self):
        """How long steroids were taken goes into the same statement, for the clinician."""
        self.say("steroid_link")

    @Rule(CauseFamily(name="vascular"), salience=STATE)
    def osteonecrosis_cause(self):
        """Osteonecrosis: a cause of BME in two sources, and BME can come early in it."""
        self.say("osteonecrosis_link")
