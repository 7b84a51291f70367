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
        """Corticosteroid use is among the things linked to bone marrow edema."""
        self.say("steroid_link")

    @Rule(CauseFamily(name="vascular"), salience=STATE)
    def osteonecrosis_cause(self):
        """Bone marrow edema can be an early sign of osteonecrosis."""
        self.say("osteonecrosis_link")
