"""The iteration-dependent L2 schedule: conditional on its two hypotheses (each needed), refuted
without them by an exact counterexample that torch re-runs."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from wdproof.derivations import kernel
from wdproof.derivations import scheduled_l2 as s
from wdproof.derivations.kernel import Chain, Counterexample, Link, Proof, Statement
from wdproof.derivations.notation import alpha, decay_rate
from wdproof.numerics.confirmation import confirm
from wdproof.numerics.confirmations import scheduled_l2 as numeric

HELD = s.ITERATION_DEPENDENT_L2
WITHOUT = s.ITERATION_DEPENDENT_L2_UNCONDITIONAL


def test_both_claims_state_the_same_source_statement():
    assert HELD.statement == WITHOUT.statement
    assert HELD.statement.kind == "forall" and not HELD.statement.hypotheses


def test_conditional_on_exactly_the_two_hypotheses_typeset_from_the_objects():
    verdict = HELD.verdict
    assert verdict.kind == "conditional"
    assert set(verdict.hypotheses) == {s.UNCONTAMINATED, s.SYMMETRIC}
    shown = HELD.hypotheses_latex()
    assert r"\tilde{M}_{t} = M_{t}" in shown and "M_{t}^{T} = M_{t}" in shown


@pytest.mark.parametrize(
    "assumptions",
    [(), (s.UNCONTAMINATED,), (s.SYMMETRIC,)],
    ids=["none", "uncontaminated-only", "symmetric-only"],
)
def test_each_hypothesis_is_needed(assumptions):
    proof = dataclasses.replace(HELD.proof, assumptions=assumptions)
    if len(assumptions) < 2:  # a link citing a missing assumption is refused outright
        links = tuple(
            dataclasses.replace(link, cites=tuple(c for c in link.cites if c in assumptions))
            for link in HELD.proof.argument.links
        )
        proof = dataclasses.replace(proof, argument=Chain(HELD.proof.argument.start, links))
    assert kernel.judge(HELD.statement, proof).kind == "unproved"


def test_regularizer_gradient_is_sympys_matrix_derivative():
    without_symmetry = (
        decay_rate / (2 * alpha) * (s.precond.inverse() + s.precond.T.inverse()) * s.theta
    )
    assert kernel.equal(s.regularizer_gradient, without_symmetry)
    assert not kernel.equal(
        s.regularizer_gradient, decay_rate / alpha * s.precond.inverse() * s.theta
    )
    assert kernel.equal(
        s.regularizer_gradient,
        decay_rate / alpha * s.precond.inverse() * s.theta,
        [(s.precond.T, s.precond)],
    )


@pytest.mark.parametrize("constant", [decay_rate / alpha, decay_rate / 2, decay_rate])
def test_schedule_with_a_wrong_constant_is_not_decay(constant):
    reg = constant * (s.theta.T * s.precond.inverse() * s.theta)
    step = s.theta - alpha * s.precond_used * (s.grad + reg.diff(s.theta))
    statement = Statement.forall(step, s.decoupled_step)
    chain = Chain(step, (Link(s.decoupled_step, "wrong constant", cites=HELD.proof.assumptions),))
    proof = Proof(chain, assumptions=HELD.proof.assumptions)
    assert kernel.judge(statement, proof).kind == "unproved"


# --- without the condition: the exact counterexample -----------------------------------------
def test_counterexample_is_exact_one_dimensional_and_uncontaminated_values_are_no_counterexample():
    verdict = WITHOUT.verdict
    assert verdict.kind == "refuted"
    values = verdict.counterexample
    assert values[s.n] == 1 and all(
        isinstance(v, sp.Rational) or all(isinstance(e, sp.Rational) for e in v)
        for v in values.values()
    )
    # Mtilde = M (the condition) leaves no gap: the kernel refuses that as a counterexample
    held = {**values, s.precond_used.subs(s.one): values[s.precond.subs(s.one)]}
    proof = dataclasses.replace(WITHOUT.proof, argument=Counterexample(held, sp.Matrix([[0]])))
    assert kernel.judge(WITHOUT.statement, proof).kind == "unproved"


@pytest.mark.parametrize(
    "gap",
    [sp.Matrix([[sp.Rational(-11, 200)]]), sp.Matrix([[sp.Rational(1, 200)]])],
    ids=["sign", "decay-part-only"],
)
def test_a_wrong_gap_is_refused(gap):
    proof = dataclasses.replace(WITHOUT.proof, argument=Counterexample(s.COUNTEREXAMPLE, gap))
    assert kernel.judge(WITHOUT.statement, proof).kind == "unproved"


def test_the_gap_is_the_residual_lemma_at_the_counterexample():
    residual = s.RESIDUAL.rhs
    for key, value in s.COUNTEREXAMPLE.items():
        residual = residual.subs(key, value)
    assert kernel.equal(sp.Matrix(residual.doit()), s.COUNTEREXAMPLE_GAP)


def test_confirmation_reruns_the_kernels_counterexample():
    values = numeric.ScheduleCounterexample.from_kernel(WITHOUT)
    assert values.preconditioner_used == 0.5 and values.preconditioner == 1.0
    assert (values.alpha, values.decay_rate, values.theta, values.g) == (0.1, 0.01, 1.0, 1.0)
    assert numeric.counterexample_gap(values) == pytest.approx(11 / 200, abs=1e-15)
    held = dataclasses.replace(values, preconditioner_used=values.preconditioner)
    assert numeric.counterexample_gap(held) == pytest.approx(0, abs=1e-15)


def test_a_claim_the_kernel_does_not_refute_has_no_counterexample_to_rerun():
    with pytest.raises(RuntimeError, match="did not refute"):
        numeric.ScheduleCounterexample.from_kernel(HELD)


def test_schedule_condition_matters_numerically():
    held, without = confirm(HELD), confirm(WITHOUT)
    assert held.holds and without.holds
    runs = numeric.schedule_runs()
    assert len(runs) == 2 * len(numeric.SETTINGS)
    assert max(r.deviation for r in runs if r.condition_holds) <= 1e-12
    assert min(r.deviation for r in runs if not r.condition_holds) > 1e-4  # not AdamW
