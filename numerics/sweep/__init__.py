"""The Q2.b/Q2.c learning-rate x weight-decay sweep of L2 regularization vs decoupled decay.

Data flow: :mod:`.config` defines a sweep (presets, grids, hash); :mod:`.spiral` makes the
data; :mod:`.engine` trains every cell with the batched kernels of :mod:`.batched_mlp` and
:mod:`.batched_adam`, chunk by chunk; :mod:`.store` verifies, caches and resumes the results
on disk; :mod:`.analysis` answers the seed's questions and :mod:`.plots` draws the heatmaps.
"""
