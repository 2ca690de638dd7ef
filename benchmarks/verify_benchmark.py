"""How long `wdproof verify` spends per claim: the kernel's judgement vs the torch confirmation.

Prints one row per claim (seconds for the kernel to check the proof, seconds for the numeric
confirmation, their ratio) and the totals, all from one run, plus the process start-up cost
(imports) that the command adds on top. Issue 9 asks for the whole ledger in under 10 s.

Usage: ``.venv/bin/python benchmarks/verify_benchmark.py``
"""

from __future__ import annotations

import os
import time

started = time.perf_counter()
from wdproof.derivations.registry import all_claims
from wdproof.numerics.confirmation import confirm, confirmations

claims = all_claims()
confirmations()  # import every confirmation module (torch included)
imports = time.perf_counter() - started

rows = []
for claim in claims:
    t0 = time.perf_counter()
    _ = claim.verdict  # the kernel judges the proof (cached on the claim)
    t1 = time.perf_counter()
    confirm(claim)
    t2 = time.perf_counter()
    rows.append((claim.id, t1 - t0, t2 - t1))

width = max(len(r[0]) for r in rows)
print(f"load average {os.getloadavg()[0]:.2f}; {len(rows)} claims")
print(f"{'claim':<{width}}  {'kernel s':>8}  {'torch s':>8}  {'torch/kernel':>11}")
for claim_id, symbolic, numeric in rows:
    print(f"{claim_id:<{width}}  {symbolic:8.3f}  {numeric:8.3f}  {numeric / symbolic:11.1f}")
symbolic = sum(r[1] for r in rows)
numeric = sum(r[2] for r in rows)
print(f"{'total':<{width}}  {symbolic:8.3f}  {numeric:8.3f}  {numeric / symbolic:11.1f}")
print(
    f"imports {imports:.2f} s; "
    f"verify-equivalent total {imports + symbolic + numeric:.2f} s (budget 10 s)"
)
