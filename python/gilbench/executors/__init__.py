"""How the work runs: one file per way Python has to run tasks in parallel.

Every executor implements :class:`~gilbench.executors.base.Executor`: a name and a
title, whether its workers share one GIL, why it cannot run on this interpreter
(``unavailable``) or cannot run a given kernel (``refuses``), its own command-line
options, and start / run / close / terminate.  ``registry.py`` lists them; the
command line, the reports and ``compare`` take every executor from there, so a new
one is a file here plus one line in the registry.
"""
