from experta import AND, NOT, OR, L, Rule

from ..facts import A, CauseFamily, InflamedSite, RedFlag
from .base import DERIVE, STATE, Topic

#: The red flags whose notice speaks of infection (and of warmth and swelling, if told).
INFECTION_FLAGS = L("infection") | L("fever_unsure") | L("past_infection")
#: The red flags whose notice already speaks of warmth and swelling where it hurts.
LOCAL_SIGN_FLAGS = INFECTION_FLAGS | L("hot_swollen")


class InfectionRules(Topic):
    """Bone and joint infection."""

    topic = "infection"

    @Rule(A.medical_history(value="bone_infection"), salience=DERIVE)
    def infection_history(self):
        """A past bone or joint infection: the infection family of causes."""
        self.declare(CauseFamily(name="infection"))

    @Rule(A.fever(value="yes"), salience=DERIVE)
    def fever(self):
        """A fever or chills with bone or joint pain needs a clinician the same day."""
        self.declare(RedFlag(kind="infection"))

    @Rule(A.fever(value="yes"), InflamedSite(), salience=DERIVE)
    def fever_with_local_signs(self):
        """A fever with a warm or swollen painful area: the same warning, with both named."""
        self.declare(RedFlag(kind="infection"))

    @Rule(A.fever(value="yes"), CauseFamily(name="infection"), salience=DERIVE)
    def fever_after_past_infection(self):
        """A fever after a past bone or joint infection: the same warning, which names it."""
        self.declare(RedFlag(kind="infection"))

    @Rule(
        A.warmth(value="yes"),
        A.swelling(value="yes"),
        NOT(A.fever(value="yes")),
        NOT(A.medical_history(value="bone_infection")),
        salience=DERIVE,
    )
    def hot_swollen_area(self):
        """Warm and swollen where it hurts, however long: seen today, fever or not."""
        self.declare(RedFlag(kind="hot_swollen"))

    @Rule(
        A.fever(value="dont_know"),
        OR(
            AND(A.warmth(value="yes"), NOT(A.swelling(value="yes"))),
            AND(A.swelling(value="yes"), NOT(A.warmth(value="yes"))),
            AND(
                A.warmth(value="yes"),
                A.swelling(value="yes"),
                A.medical_history(value="bone_infection"),
            ),
        ),
        salience=DERIVE,
    )
    def unsure_fever_with_local_signs(self):
        """Warm or swollen, fever not known: check it (warm and swollen warns alone)."""
        self.declare(RedFlag(kind="fever_unsure"))

    @Rule(CauseFamily(name="infection"), InflamedSite(), NOT(A.fever(value="yes")), salience=DERIVE)
    def past_infection_with_local_signs(self):
        """A past infection and a warm or swollen area (with a fever, that notice names it)."""
        self.declare(RedFlag(kind="past_infection"))

    @Rule(RedFlag(kind="infection"), salience=STATE)
    def warn_infection(self):
        """Warn to contact a clinician today about a fever or chills."""
        self.say("urgent_infection")

    @Rule(RedFlag(kind="hot_swollen"), salience=STATE)
    def warn_hot_swollen(self):
        """Warn to contact a clinician today about a warm, swollen area that began lately."""
        self.say("urgent_hot_swollen")

    @Rule(RedFlag(kind="fever_unsure"), salience=STATE)
    def warn_fever_unsure(self):
        """Warn to check for a fever today, and to contact a clinician if there is one."""
        self.say("urgent_fever_unsure")

    @Rule(RedFlag(kind="past_infection"), salience=STATE)
    def warn_past_infection(self):
        """Warn to contact a clinician today about a warm or swollen area after an infection."""
        self.say("urgent_past_infection")

    @Rule(
        CauseFamily(name="infection"),
        NOT(RedFlag(kind=INFECTION_FLAGS)),
        salience=STATE,
    )
    def past_infection(self):
        """A past bone or joint infection, without a warning: tell the clinician."""
        self.say("infection_history")
