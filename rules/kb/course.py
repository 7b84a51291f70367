from experta import NOT, OR, L, Rule

from ..facts import A, Athletic, LastingPain, NotImproving, RedFlag
from .base import DERIVE, STATE, Topic


class CourseRules(Topic):
    """How long it lasts, how it changes, and when to see a clinician."""

    topic = "course"

    @Rule(
        OR(
            A.pain_duration(
                value=L("6_weeks_to_3_months") | L("3_to_12_months") | L("over_12_months")
            ),
            A.pain_course(value=L("worse") | L("came_back")),
        ),
        salience=DERIVE,
    )
    def lasting_pain(self):
        """Pain for six weeks or more, or getting worse, or back again, is lasting pain."""
        self.declare(LastingPain())

    @Rule(A.pain_course(value=L("same") | L("worse") | L("came_back")), salience=DERIVE)
    def not_improving(self):
        """Pain that stays the same, gets worse or comes back is not improving."""
        self.declare(NotImproving())

    @Rule(salience=STATE)
    def what_bme_is(self):
        """Everyone: what bone marrow edema is, that MRI shows it, and that a clinician decides."""
        self.say("about_bme")

    @Rule(salience=STATE)
    def more_about_bme(self):
        """Everyone: how it shows itself and how serious it is, as the sources say."""
        self.say("about_bme_more")

    @Rule(NOT(RedFlag()), salience=STATE)
    def how_long_recovery_takes(self):
        """No warning sign: how serious it is and how long it lasts, where the sources differ."""
        self.say("recovery_time")

    @Rule(A.pain_duration(value=L("3_to_12_months") | L("over_12_months")), salience=STATE)
    def long_lasting(self):
        """Pain for three months or more: persistent pain should prompt evaluation."""
        self.say("persistent_pain")

    @Rule(A.pain_course(value="came_back"), salience=STATE)
    def worse_or_returned(self):
        """Pain that went away and came back: one source says BME can recur."""
        self.say("worse_or_back")

    @Rule(
        OR(A.age_band(value=L("40_60") | L("over_60")), Athletic()),
        A.pain_duration(value="6_weeks_to_3_months"),
        salience=STATE,
    )
    def do_not_overlook(self):
        """Pain for 6 weeks to 3 months, athlete or over 40 (longer: persistent_pain)."""
        self.say("check_early")
