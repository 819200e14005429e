"""The pure-Python kernel: the loop everyone writes first.

It holds the GIL for every bytecode it runs, so threads take turns on it.
"""

from __future__ import annotations


def sum_squares(start: int, stop: int) -> int:
    total = 0
    for i in range(start, stop):
        total += i * i
    return total
