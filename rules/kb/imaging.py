from experta import NOT, L, Rule

from ..facts import A, CauseFamily, LastingPain
from .base import STATE, Topic


class ImagingRules(Topic):
    """Scans and tests."""

    topic = "imaging"

    @Rule(
        LastingPain(),
        A.imaging(value=~L("dont_know")),
        NOT(A.imaging(value="mri")),
        salience=STATE,
    )
    def lasting_pain_no_mri(self):
        """Lasting or worsening pain and no MRI yet: MRI is the scan that shows BME."""
        self.say("imaging_mri")

    @Rule(A.xray_ct_result(value="nothing"), LastingPain(), salience=STATE)
    def clear_xray_lasting_pain(self):
        """An X-ray or CT that showed no cause, with lasting pain: X-rays and CT miss BME."""
        self.say("xray_ct_clear")

    @Rule(A.mri_result(value="bme"), salience=STATE)
    def mri_found_edema(self):
        """An MRI that showed bone marrow edema: the sources stress finding its cause."""
        self.say("mri_showed_bme")

    @Rule(
        CauseFamily(name=L("inflammatory") | L("infection") | L("metabolic")),
        salience=STATE,
    )
    def blood_tests_for_cause(self):
        """An inflammatory, infectious or metabolic history: blood tests may be ordered."""
        self.say("blood_tests")

    @Rule(
        CauseFamily(name=L("metabolic") | L("steroid")),
        A.imaging(value=~L("dont_know")),
        NOT(A.imaging(value="dexa")),
        salience=STATE,
    )
    def bone_density_no_dexa(self):
        """A bone-density factor and no DEXA scan yet: what DEXA can and cannot show."""
        self.say("dexa_scan")
