from experta import NOT, OR, L, Rule

from ..facts import A, Athletic, CauseFamily, Injured, Overloaded, RedFlag
from .base import DERIVE, STATE, Topic

#: The overload answers that report a load on the bones.
LOADS = L("training_increase") | L("heavy_work") | L("dance_standing")


class InjuryOverloadRules(Topic):
    """Injuries, sport and repeated strain."""

    topic = "injury_overload"

    @Rule(A.injury(value="yes"), salience=DERIVE)
    def injured(self):
        """Pain that started after an injury."""
        self.declare(Injured())

    @Rule(Injured(), salience=DERIVE)
    def trauma_cause(self):
        """An injury belongs to the trauma family of causes."""
        self.declare(CauseFamily(name="trauma"))

    @Rule(
        OR(
            A.athlete(value="yes"),
            A.overload(value="training_increase"),
            A.injury_kind(value="sports"),
        ),
        salience=DERIVE,
    )
    def athletic(self):
        """Regular sport, a recent rise in training, or a sports injury: an athlete's load."""
        self.declare(Athletic())

    @Rule(
        A.overload(value=LOADS),
        salience=DERIVE,
    )
    def overloaded(self):
        """More training, heavy physical work, dancing or long standing load the bones."""
        self.declare(Overloaded())

    @Rule(Athletic(), salience=DERIVE)
    def athletes_are_loaded(self):
        """An athlete's training is repeated strain on the bones."""
        self.declare(Overloaded())

    @Rule(Overloaded(), salience=DERIVE)
    def overload_cause(self):
        """Repeated strain belongs to the overload family of causes."""
        self.declare(CauseFamily(name="overload"))

    @Rule(Overloaded(), A.pain_sites(value="hip_groin"), salience=DERIVE)
    def hip_under_strain(self):
        """Hip or groin pain under sport or repeated strain: linked with stress fractures."""
        self.declare(RedFlag(kind="hip_stress"))

    @Rule(
        A.pain_pattern(value="cannot_bear_weight"),
        NOT(A.injury()),
        salience=DERIVE,
    )
    def unable_to_bear_weight(self):
        """Not able to bear weight, injury not asked (yet): the same day, or now after one."""
        self.declare(RedFlag(kind="cannot_bear_weight"))

    @Rule(A.pain_pattern(value="cannot_bear_weight"), A.injury(value="dont_know"), salience=DERIVE)
    def unable_to_bear_weight_injury_unsure(self):
        """Not able to bear weight, not sure of an injury: the emergency department, now."""
        self.declare(RedFlag(kind="cannot_bear_weight_unsure"))

    @Rule(A.pain_pattern(value="cannot_bear_weight"), A.injury(value="no"), salience=DERIVE)
    def unable_to_bear_weight_without_injury(self):
        """Not able to put weight on it, with no injury: a clinician the same day."""
        self.declare(RedFlag(kind="cannot_bear_weight_no_injury"))

    @Rule(A.pain_pattern(value="cannot_bear_weight"), A.injury(value="yes"), salience=DERIVE)
    def unable_to_bear_weight_after_injury(self):
        """Not able to bear weight since an injury: the emergency department, now."""
        self.declare(RedFlag(kind="cannot_bear_weight_injury"))

    @Rule(
        A.pain_pattern(value="cannot_bear_weight"),
        A.injury(value="yes"),
        A.injury_kind(value=~L("dont_know")),
        salience=DERIVE,
    )
    def unable_to_bear_weight_after_named_injury(self):
        """Not able to bear weight since an injury: the same warning, with the injury named."""
        self.declare(RedFlag(kind="cannot_bear_weight_injury"))

    @Rule(RedFlag(kind="hip_stress"), salience=STATE)
    def warn_hip_stress(self):
        """Warn to contact a clinician promptly about hip or groin pain under strain."""
        self.say("urgent_hip_stress")

    @Rule(RedFlag(kind="cannot_bear_weight"), salience=STATE)
    def warn_cannot_bear_weight(self):
        """Warn to keep weight off it and contact a clinician today (now, after an injury)."""
        self.say("urgent_cannot_bear_weight")

    @Rule(RedFlag(kind="cannot_bear_weight_no_injury"), salience=STATE)
    def warn_cannot_bear_weight_without_injury(self):
        """Warn to keep weight off it and contact a clinician today."""
        self.say("urgent_cannot_bear_weight_no_injury")

    @Rule(RedFlag(kind="cannot_bear_weight_injury"), salience=STATE)
    def warn_cannot_bear_weight_after_injury(self):
        """Warn to go to an emergency department now: no weight on it since an injury."""
        self.say("urgent_cannot_bear_weight_injury")

    @Rule(RedFlag(kind="cannot_bear_weight_unsure"), salience=STATE)
    def warn_cannot_bear_weight_injury_unsure(self):
        """Warn to go to an emergency department now: no weight on it, injury not known."""
        self.say("urgent_cannot_bear_weight_unsure")

    @Rule(Injured(), salience=STATE)
    def injury_cause(self):
        """Injuries are among the most common causes of sudden bone marrow edema."""
        self.say("injury_link")

    @Rule(
        A.pain_sites(value="knee"),
        A.injury_kind(value=L("ligament_meniscus") | L("fracture_dislocation")),
        salience=STATE,
    )
    def knee_structure_injury(self):
        """Knee pain after a ligament, meniscus, fracture or dislocation injury."""
        self.say("knee_injury")

    @Rule(A.pain_sites(value="knee"), A.injury_kind(value="ligament_meniscus"), salience=STATE)
    def knee_meniscus_injury(self):
        """Knee pain after a meniscus injury: a clinic's blog on edema under a torn meniscus."""
        self.say("meniscus_edema")

    @Rule(
        A.overload(value=LOADS),
        salience=STATE,
    )
    def overload_strain(self):
        """A reported load (training, heavy work, dance, standing): repeated strain and BME."""
        self.say("overload_link")

    @Rule(Athletic(), RedFlag(kind="hip_stress"), salience=STATE)
    def athlete_strain_beside_hip_warning(self):
        """Sport with the hip warning, where athlete_care is not said: repeated strain."""
        self.say("overload_link")

    @Rule(Athletic(), NOT(RedFlag(kind="hip_stress")), salience=STATE)
    def athlete_without_hip_warning(self):
        """Athletes without the hip warning: what the sources say about sport."""
        self.say("athlete_care")
