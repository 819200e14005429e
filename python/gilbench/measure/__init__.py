"""How it is measured: timing, the machine's ceiling, the GIL observed, and the loops.

``timing`` times one run of a task list and checks every result; ``workload`` says
which ranges the workers get; ``ceiling`` measures what k plain native threads
reach on this machine right now; ``gil`` watches how much of a call the GIL is
held.  ``run`` (also behind ``seed``), ``bench`` and ``crossover`` are the three
measurement loops; ``stats`` holds the interval arithmetic and ``analysis`` turns
samples into paired speedups, intervals and verdicts.  Nothing here prints.
"""
