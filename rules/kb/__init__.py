"""The knowledge base: one experta mixin class per topic.

Each rule has a one-line docstring in plain clinical language. Derivation rules
(salience ``DERIVE``) build intermediate facts and all fire before any rule that
makes a statement (salience ``STATE``): experta has no truth maintenance, so a
statement whose condition says "no red flag" must wait until every red flag
that can be derived has been.
"""

from .cancer import CancerRules
from .course import CourseRules
from .imaging import ImagingRules
from .infection import InfectionRules
from .inflammatory import InflammatoryRules
from .injury import InjuryOverloadRules
from .metabolic import MetabolicRules
from .pregnancy import PregnancyRules
from .safety import SafetyRules
from .sites import SitesSymptomsRules
from .treatment import TreatmentRules
from .vascular import VascularSteroidRules

#: In the order the topics are presented to educators.
MIXINS = (
    SitesSymptomsRules,
    InjuryOverloadRules,
    InflammatoryRules,
    InfectionRules,
    VascularSteroidRules,
    MetabolicRules,
    CancerRules,
    PregnancyRules,
    ImagingRules,
    TreatmentRules,
    CourseRules,
    SafetyRules,
)
