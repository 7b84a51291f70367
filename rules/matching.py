"""Matching, faster: experta's Rete network without its wasted work.

experta's Rete matcher does much work that changes nothing: every fact is
offered to every type test, a token is copied at every node, every rule's
conflict set is asked for changes after every firing, every activation is
hashed from scratch at each lookup. DispatchingMatcher keeps experta's network,
checks and memories and feeds them the same tokens in the same order, minus
that work; tests/test_engine_pool.py checks it against a fresh engine and
``bench/bench_engine.py`` measures it.
"""

from __future__ import annotations

from collections.abc import Mapping

from experta.activation import Activation
from experta.fact import Fact
from experta.factlist import FactList
from experta.fieldconstraint import ANDFC, NOTFC, ORFC, L, W
from experta.matchers import ReteMatcher
from experta.matchers.rete.check import FactCapture, FeatureCheck, TypeCheck
from experta.matchers.rete.mixins import ChildNode, NoMemory
from experta.matchers.rete.nodes import ConflictSetNode, FeatureTesterNode
from experta.matchers.rete.token import Token


class DispatchingMatcher(ReteMatcher):
    """experta's ReteMatcher, fed and reset without the wasted work."""

    def build_network(self):
        super().build_network()
        self._conflict_sets = self._get_conflict_set_nodes()
        everything = _nodes(self.root_node)
        self._stateful = tuple(n for n in everything if not isinstance(n, NoMemory))
        for node in everything:
            node.children[:] = [ChildNode(c.node, _lean(c)) for c in node.children]
        self._by_type: dict[type, tuple] = {}
        self._plans: dict[frozenset, tuple] = {}

    def changes(self, adding=None, deleting=None):
        """Pass facts to the network; return the activations added and removed."""
        touched: set[int] = set()
        for facts, tag in ((deleting, Token.TagType.INVALID), (adding, Token.TagType.VALID)):
            for fact in facts or ():
                entries, sets, pure = self._entries(type(fact))
                touched.update(sets)
                for child, context in self._plan(fact, entries, pure):
                    context = {k: fact if v is _SELF else v for k, v in context}
                    child.callback(Token._make((tag, {fact}, context)))
        added, removed = [], []
        for i in sorted(touched):  # experta's order, skipping sets the facts cannot reach
            node = self._conflict_sets[i]
            if node.added or node.removed:
                node_added, node_removed = node.get_activations()
                added.extend(node_added)
                removed.extend(node_removed)
        return added, removed

    def reset(self):
        """Wipe every memory once (experta's walk revisits shared nodes).

        Pending activations go too, so that an evaluation that failed half-way
        leaves nothing behind for the next one.
        """
        for node in self._stateful:
            node._reset()
        for node in self._conflict_sets:
            node.added, node.removed = set(), set()

    def _entries(self, fact_type: type) -> tuple:
        """Per fact class, once: its type tests, the rules it reaches, whether all pure.

        experta's bus node offers each fact to every type test; all but those for
        its exact class reject it (``TypeCheck`` is ``type(fact) == cls``).
        """
        found = self._by_type.get(fact_type)
        if found is None:
            entries = tuple(
                child
                for child in self.root_node.children
                if not isinstance(child.node.matcher, TypeCheck)
                or child.node.matcher.fact_type == fact_type
            )
            below = [n for child in entries for n in _nodes(child.node)]
            reachable = {id(n) for n in below}
            sets = tuple(i for i, n in enumerate(self._conflict_sets) if id(n) in reachable)
            pure = all(_pure(n.matcher) for n in below if isinstance(n, FeatureTesterNode))
            found = self._by_type[fact_type] = (entries, sets, pure)
        return found

    def _plan(self, fact, entries, pure: bool) -> tuple:
        """Where the alpha network sends this fact: (beta node, context) pairs, in order.

        Pure alpha tests read only the fact's class and fields, so their outcome
        is kept per content (with ``_SELF`` for the fact) and reused.
        """
        key = FactList._get_fact_id(fact) if pure else None
        plan = self._plans.get(key)
        if plan is None:
            found: list = []
            for child in entries:
                _alpha(child, fact, {}, found)
            plan = tuple(
                (child, tuple((k, _SELF if v is fact else v) for k, v in context.items()))
                for child, context in found
            )
            if pure:
                if len(self._plans) > 10_000:  # bounded, whatever facts come
                    self._plans.clear()
                self._plans[key] = plan
        return plan


_SELF = object()


def _alpha(child: ChildNode, fact, context: dict, out: list) -> None:
    """``FeatureTesterNode._activate`` on a context dict instead of a token copy per node.

    Collects where the fact leaves the alpha network, with its context, in order.
    """
    node = child.node
    if type(node) is not FeatureTesterNode:
        out.append((child, context))
        return
    match = node.matcher(fact)
    if not match:
        return
    if isinstance(match, Mapping):
        for key, value in match.items():
            if isinstance(key, tuple):  # a negated binding
                if key[1] in context and context[key[1]] == value:
                    return
            else:
                if context.get(key, value) != value:
                    return
                if (False, key) in context and context[(False, key)] == value:
                    return
        context = {**context, **match}
    for grandchild in node.children:
        _alpha(grandchild, fact, context, out)


def _pure(check) -> bool:
    """Whether an alpha test depends on the fact's class and fields alone (no predicate)."""
    if isinstance(check, FeatureCheck):  # a special key (``__x__``) may read the fact's id
        return not Fact.is_special(check.what) and _pure_constraint(check.how)
    return isinstance(check, TypeCheck | FactCapture)


def _pure_constraint(how) -> bool:
    if isinstance(how, ANDFC | ORFC | NOTFC):
        return all(_pure_constraint(part) for part in how)
    return isinstance(how, L | W)


def _lean(child: ChildNode):
    """A node's callback without the token copy and the debug log.

    experta copies a token on entry to each node because alpha nodes add to a
    token's context. Beta nodes never change a token (they make new ones) and
    the alpha part is walked by ``_alpha``, so beta nodes can share tokens.
    """
    node, callback = child
    if isinstance(node, ConflictSetNode):
        return _conflict_set_activate(node)
    if isinstance(node, FeatureTesterNode):  # alpha: walked by _alpha, not called back
        return callback
    for public in ("activate", "activate_left", "activate_right"):
        if callback == getattr(node, public, None):
            return getattr(node, "_" + public)
    return callback


def _conflict_set_activate(node: ConflictSetNode):
    """``ConflictSetNode.activate``: the same memory, added and removed sets.

    One hash per activation, with the rule's hash computed once (experta hashes
    the rule's whole condition tree at every set lookup).
    """
    rule = node.rule
    rule_hash = hash(rule)

    def activate(token):
        info = token.to_info()
        context = {k: v for k, v in info.context if isinstance(k, str)}
        activation = _Activation(rule, info.data, context, rule_hash)
        if token.is_valid():
            if info not in node.memory:
                node.memory.add(info)
                if activation in node.removed:
                    node.removed.remove(activation)
                else:
                    node.added.add(activation)
        else:
            node.memory.remove(info)
            if activation in node.added:
                node.added.remove(activation)
            else:
                node.removed.add(activation)

    return activate


class _Activation(Activation):
    """An Activation that hashes once; equal to experta's by the same ``__eq__``."""

    def __init__(self, rule, facts: frozenset, context: dict, rule_hash: int):
        super().__init__(rule, facts, context)
        self._hash = hash((rule_hash, facts, frozenset(context.items())))

    def __hash__(self):
        return self._hash


def _nodes(root) -> list:
    """Every node of a Rete network below ``root``, once each."""
    seen: dict[int, object] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(child.node for child in node.children)
    return list(seen.values())
