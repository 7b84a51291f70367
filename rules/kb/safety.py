import operator
from functools import reduce

from experta import AND, NOT, OR, L, Rule

from ..facts import A, RedFlag, WarningUnknown
from .base import DERIVE, STATE, Topic
from .infection import INFECTION_FLAGS

#: Warning signs whose notice says to go to an emergency department now
#: (``emergency = true`` in warnings.toml; a test holds the two equal).
EMERGENCY_KINDS = ("cannot_bear_weight_injury", "cannot_bear_weight_unsure")


def flags(*kinds: str):
    """Any of these red flag kinds, as one constraint (experta's ORFC | ORFC fails)."""
    return reduce(operator.or_, map(L, kinds))


EMERGENCY_FLAGS = flags(*EMERGENCY_KINDS)
#: Warning signs whose notice says to contact a clinician today, and
#: those whose notice says today or tomorrow; the others (TIME_GIVEN_KINDS) say
#: how soon by what the person finds out. A test holds each to its notice's words.
TODAY_KINDS = ("infection", "hot_swollen", "past_infection", "cannot_bear_weight_no_injury")
SOON_KINDS = ("cancer", "child_pain", "hip_stress")
TIME_GIVEN_KINDS = ("cannot_bear_weight", "fever_unsure")
TODAY_FLAGS = flags(*TODAY_KINDS)
SOON_FLAGS = flags(*SOON_KINDS)
TIME_GIVEN_FLAGS = flags(*TIME_GIVEN_KINDS)


class SafetyRules(Topic):
    """What to do now, warning signs not known, no false reassurance, and the safety net."""

    topic = "safety"

    @Rule(
        OR(
            A.age_band(value="prefer_not_say"),
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

    @Rule(RedFlag(kind=TODAY_FLAGS), NOT(RedFlag(kind=EMERGENCY_FLAGS)), salience=STATE)
    def contact_today(self):
        """A warning sign that needs a clinician today: the one thing to do now."""
        self.say("next_step_today")

    @Rule(
        RedFlag(kind=SOON_FLAGS),
        NOT(RedFlag(kind=flags(*TODAY_KINDS, *EMERGENCY_KINDS, *TIME_GIVEN_KINDS))),
        salience=STATE,
    )
    def contact_soon(self):
        """Only warning signs that can wait until tomorrow: today or tomorrow."""
        self.say("next_step_soon")

    @Rule(
        RedFlag(kind=TIME_GIVEN_FLAGS),
        NOT(RedFlag(kind=flags(*TODAY_KINDS, *EMERGENCY_KINDS))),
        salience=STATE,
    )
    def contact_in_the_time_given(self):
        """A warning whose time depends on what the person finds out: as it says."""
        self.say("next_step_time_given")

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
