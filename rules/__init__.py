"""Knowledge base and rule engine for the bone marrow edema pre-visit questionnaire.

Turns a person's answers into cited educational statements, never a diagnosis.
This package never imports Flask: the web app, the CLI and the tests all use it.
"""
