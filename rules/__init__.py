"""Knowledge base and rule engine for the bone marrow edema pre-visit questionnaire.

Turns a person's answers into cited educational statements, never a diagnosis.
This package never imports Flask: the web app, the CLI and the tests all use it.
"""

import logging

# experta's watchers are process-wide loggers that, once any handler logs at INFO
# or DEBUG, write every fact (the person's answers) into the logs. Health data
# stays out of logs, so they are silenced here, before any engine exists; the
# engine records its own per-evaluation trace instead. (Importing experta also
# calls logging.basicConfig(); applications configure logging explicitly.)
logging.getLogger("experta").setLevel(logging.CRITICAL)
