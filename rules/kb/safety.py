import operator
from functools import reduce

from experta import AND, NOT, OR, L, Rule

from ..facts import A, RedFlag, WarningUnknown
from .base import DERIVE, STATE, Topic
from .infection import INFECTION_FLAGS

#: Warning signs whose notice says to go to an emergency department now
#: (``emergency = true`` in warnings.toml; a test holds the two equal).
EMERGENCY_KINDS = ("cannot_bear_weight_injury",)
EMERGENCY_FLAGS = reduce(operator.or_, map(L, EMERGENCY_KINDS))


class SafetyRules(Topic):
    """What to do now, warning signs not known, no false reassurance, and the safety net."""

    topic = "safety"

    @Rule(
        OR(
            A.age_band(value="prefer_not_say"),
            A.pain_duration(value="dont_know"),
            A.pain_course(value="dont_know"),
            A.swelling(value="dont_know"),
            A.warmth(value="dont_know"),
            A.fever(value="dont_know"),
            A.injury(value="dont_know"),
            A.injury_kind(value="dont_know"),
            A.medical_history(value="prefer_not_say"),
        ),
        salience=DERIVE,
    )
    def warning_answer_unknown(self):
        """An honest "I don't know" to a warning question: a warning sign cannot be ruled out."""
        self.declare(WarningUnknown())

    @Rule(
        OR(
            NOT(A.age_band()),
            NOT(A.pain_sites()),
            NOT(A.pain_duration()),
            NOT(A.pain_course()),
            NOT(A.pain_pattern()),
            NOT(A.swelling()),
            NOT(A.warmth()),
            NOT(A.fever()),
            NOT(A.injury()),
            AND(A.injury(value="yes"), NOT(A.injury_kind())),
            NOT(A.athlete()),
            NOT(A.overload()),
            NOT(A.medical_history()),
        ),
        salience=DERIVE,
    )
    def warning_question_unanswered(self):
        """A warning question left unanswered: a warning sign cannot be ruled out."""
        self.declare(WarningUnknown())

    @Rule(NOT(RedFlag()), NOT(WarningUnknown()), NOT(A.unwell(value="yes")), salience=STATE)
    def no_warning_signs(self):
        """Every warning question answered and none applies: say so, and no more."""
        self.say("no_urgent_signs")

    @Rule(WarningUnknown(), NOT(RedFlag()), salience=STATE)
    def warning_signs_not_known(self):
        """Some warning questions not answered: no reassurance; point to the signs to watch."""
        self.say("warning_signs_unknown")

    @Rule(A.unwell(value="yes"), NOT(RedFlag(kind=INFECTION_FLAGS)), salience=STATE)
    def feeling_unwell(self):
        """Feeling generally unwell, without an infection warning: tell the clinician."""
        self.say("felt_unwell")

    @Rule(RedFlag(), NOT(RedFlag(kind=EMERGENCY_FLAGS)), salience=STATE)
    def contact_today(self):
        """A warning sign: the one thing to do now is contact a clinician today."""
        self.say("next_step_today")

    @Rule(RedFlag(kind=EMERGENCY_FLAGS), salience=STATE)
    def go_now(self):
        """A warning sign that needs an emergency department: the one thing to do is go now."""
        self.say("next_step_emergency")

    @Rule(NOT(RedFlag()), salience=STATE)
    def book_the_visit(self):
        """No warning sign: book or keep the visit, and bring this summary."""
        self.say("next_step_visit")

    @Rule(NOT(A.pain_sites(value="spine")), salience=STATE)
    def safety_net(self):
        """Everyone: the signs to watch for, and what to do if they appear."""
        self.say("safety_net")

    @Rule(A.pain_sites(value="spine"), salience=STATE)
    def spine_safety_net(self):
        """Back pain: the same signs, and leg weakness or numbness or bladder or bowel trouble."""
        self.say("safety_net_spine")
