"""A correct, deterministic conflict-resolution strategy for experta.

experta's ``DepthStrategy`` removes a deactivated activation by bisecting to it
and looking only at its neighbours. When four or more activations share a sort
key (typically several NOT-only rules at one salience, all matching the initial
fact) it can miss, and a rule whose condition no longer holds still fires: a
"you did not report X" statement appears although X was reported.
"""

from __future__ import annotations

import bisect
from functools import cache

from experta.abstract import Strategy


@cache  # rule names are few and fixed; this runs for every activation
def _name_key(name: str) -> tuple[int, ...]:
    """Sorts names in reverse, so that the agenda (popped from the end) fires A to Z."""
    return (*(-ord(c) for c in name), 0)


class ExactDepthStrategy(Strategy):
    """Depth-first like experta's, but exact on removal and ordered on ties.

    Order: higher salience first; then the activation with the most recent
    facts (depth-first); then rule name, alphabetically.
    """

    def get_key(self, activation):
        facts = tuple(sorted((f["__factid__"] for f in activation.facts), reverse=True))
        return (activation.rule.salience, facts, _name_key(activation.rule.__name__))

    def update_agenda(self, agenda, added, removed):
        """experta's, minus its ACTIVATIONS-watcher check on every call (watchers are off here)."""
        self._update_agenda(agenda, added, removed)

    def _update_agenda(self, agenda, added, removed):
        activations = agenda.activations
        for act in removed:
            for i in range(len(activations) - 1, -1, -1):
                other = activations[i]
                if (
                    other.rule is act.rule
                    and other.facts == act.facts
                    and other.context == act.context
                ):
                    del activations[i]
                    break
        for act in added:
            act.key = self.get_key(act)
            bisect.insort(activations, act)
