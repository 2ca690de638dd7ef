"""The Q2.b/Q2.c learning-rate x wd sweep of L2 regularization vs decoupled decay.

Data flow: :mod:`.config` defines a sweep (presets, grids, hash) over variants of the one
table :data:`wdproof.numerics.optimizers.conventions.VARIANTS`; :mod:`.spiral` makes the data;
:mod:`.engine` trains every cell of a chunk with the batched kernels of :mod:`.batched_mlp` and
:mod:`.batched_adam`, and :mod:`.parallel` runs the chunks on worker threads; :mod:`.store`
verifies, caches and resumes the results on disk; :mod:`.analysis` answers the seed's questions
and :mod:`.plots` draws the heatmaps. :mod:`.cells` states one cell as an ordinary problem with
its reference rule and ``torch.optim`` set-up, against which the kernels are tested.

Issue 14 (schedules and normalized decay): every sweep may run under a schedule multiplier
``eta_t`` and with normalized decay (:mod:`.config`); :mod:`.studies` runs several sweeps for
the paper's schedule claims, measured by :mod:`.schedule_study` and :mod:`.budget_study` and
drawn by :mod:`.schedule_plots`.
"""
