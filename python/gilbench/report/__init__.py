"""How it is shown: every renderer reads saved results and measures nothing.

``tables`` holds what every report shares (the environment line, warnings, compact
tables, number formats); then one file per command (``run``, ``seed``, ``bench``,
``crossover``, ``compare``, ``info``), ``verdicts`` for the words of an answer, and
``plot`` for the picture.
"""
