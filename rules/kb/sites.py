from experta import NOT, L, Rule

from ..facts import A, InflamedSite, RedFlag, WeightBearingSite
from .base import DERIVE, STATE, Topic
from .infection import LOCAL_SIGN_FLAGS

#: Notices that say more about hip pain than the hip statement would: it is held back.
NO_HIP_SITE = (
    L("hip_stress")
    | L("cannot_bear_weight")
    | L("cannot_bear_weight_no_injury")
    | L("cannot_bear_weight_injury")
    | L("cannot_bear_weight_unsure")
)


class SitesSymptomsRules(Topic):
    """Where it hurts and how the pain behaves."""

    topic = "sites_symptoms"

    @Rule(
        A.pain_sites(value=L("knee") | L("hip_groin") | L("ankle_foot")),
        salience=DERIVE,
    )
    def weight_bearing_joint(self):
        """Pain in the knee, hip, ankle or foot is pain in a weight-bearing joint."""
        self.declare(WeightBearingSite())

    @Rule(A.swelling(value="yes"), salience=DERIVE)
    def swollen_area(self):
        """A swollen painful area is a local sign around the joint."""
        self.declare(InflamedSite())

    @Rule(A.warmth(value="yes"), salience=DERIVE)
    def warm_area(self):
        """A painful area that feels warm is a local sign around the joint."""
        self.declare(InflamedSite())

    @Rule(WeightBearingSite(), salience=STATE)
    def weight_bearing_sites(self):
        """Pain in a weight-bearing joint: where the sources say BME is most frequent."""
        self.say("weight_bearing_site")

    @Rule(A.pain_sites(value="knee"), salience=STATE)
    def knee_pain(self):
        """Knee pain: what the knee-focused source says about symptoms."""
        self.say("knee_site")

    @Rule(
        A.pain_sites(value="hip_groin"),
        NOT(RedFlag(kind=NO_HIP_SITE)),
        salience=STATE,
    )
    def hip_pain(self):
        """Hip or groin pain: serious hip conditions and transient osteoporosis."""
        self.say("hip_site")

    @Rule(A.pain_sites(value="ankle_foot"), salience=STATE)
    def ankle_foot_pain(self):
        """Ankle or foot pain: sprains, impacts, long standing and stress fractures."""
        self.say("ankle_foot_site")

    @Rule(A.pain_sites(value="spine"), salience=STATE)
    def spine_pain(self):
        """Back or spine pain: injury, osteoporosis, disc problems, vertebral fracture."""
        self.say("spine_site")

    @Rule(A.pain_pattern(value="night"), NOT(RedFlag(kind="child_pain")), salience=STATE)
    def pain_at_night(self):
        """Pain at night is worth telling the clinician; for a child it is the warning itself."""
        self.say("night_pain")

    @Rule(A.pain_pattern(value=L("weight_bearing") | L("stairs")), salience=STATE)
    def pain_with_load(self):
        """Pain with standing, walking, stairs or squatting matches the described pattern."""
        self.say("weight_bearing_pain")

    @Rule(A.pain_pattern(value="limping"), salience=STATE)
    def limps(self):
        """Limping is common with edema of the foot, ankle or hip; tell the clinician."""
        self.say("limping")

    @Rule(InflamedSite(), NOT(RedFlag(kind=LOCAL_SIGN_FLAGS)), salience=STATE)
    def local_signs_without_fever(self):
        """Swelling or warmth without an infection warning: background on local signs."""
        self.say("swelling_warmth")

    @Rule(A.tenderness(value="yes"), NOT(RedFlag(kind=LOCAL_SIGN_FLAGS)), salience=STATE)
    def tender_without_fever(self):
        """Tenderness when pressing, without an infection warning: the same background."""
        self.say("swelling_warmth")
