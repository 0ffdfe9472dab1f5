"""The engine: executes submitted notebooks, confined and held to limits, and sends them back.

One interface (:class:`~convlab.grading.engine.engines.Engine`), two implementations: worker
processes on this machine (:mod:`~convlab.grading.engine.pool`) and the workers of a Dask
cluster (:mod:`~convlab.grading.engine.cluster`). Either executes a
:class:`~convlab.grading.engine.engines.Job` with :mod:`~convlab.grading.engine.execute`, from
the run's :class:`~convlab.grading.engine.kit.Kit`, in kernels forked by
:mod:`~convlab.grading.engine.forkserver` and confined by :mod:`~convlab.grading.engine.limits`
(and :mod:`~convlab.grading.engine.landlock`). Nothing here writes the gradebook.
"""
