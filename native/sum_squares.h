/* Which sum-of-squares loop runs, shared by the C++ and Cython backends (the
 * Rust backend makes the same choice, with the same names and messages, in
 * rust_ext/src/loops.rs).
 *
 * Three loops, best first: AVX-512 IFMA, AVX2, portable. A module runs the best
 * one this CPU has, or the one the GILBENCH_KERNEL environment variable names
 * (ifma, avx2 or portable; a kernel_path such as avx512-ifma works too). The
 * choice is made once per process, as the library loads, before any
 * interpreter imports the module: every call, thread and interpreter then
 * reads the same loop, and nothing is written after. If GILBENCH_KERNEL names a
 * loop this CPU cannot run, or no loop at all, none is chosen, and the module
 * refuses to import with gilbench_chosen.error.
 */
#ifndef GILBENCH_SUM_SQUARES_H
#define GILBENCH_SUM_SQUARES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sum_squares_avx2.h"
#include "sum_squares_ifma.h"
#include "sum_squares_portable.h"

/* The kernel's domain: 0 <= start, stop <= 2**32, so that every square fits 64 bits. */
static const uint64_t gilbench_limit = (uint64_t)1 << 32;

typedef struct {
  const char* path;  /* the module's kernel_path while it runs */
  const char* name;  /* GILBENCH_KERNEL's name for it */
  const char* needs; /* the CPU features it needs, as /proc/cpuinfo names them */
  int (*cpu_runs)(void);
  unsigned __int128 (*sum_squares)(uint64_t start, uint64_t stop);
} gilbench_loop;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* __builtin_cpu_init: the checks run in a constructor, maybe before libgcc's. */
static int gilbench_cpu_has_ifma(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma");
}
static int gilbench_cpu_has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
#define GILBENCH_IFMA_LOOP gilbench_sum_squares_ifma
#define GILBENCH_AVX2_LOOP gilbench_sum_squares_avx2
#else /* not x86-64: only the portable loop exists */
static int gilbench_cpu_has_ifma(void) { return 0; }
static int gilbench_cpu_has_avx2(void) { return 0; }
#define GILBENCH_IFMA_LOOP NULL
#define GILBENCH_AVX2_LOOP NULL
#endif
static int gilbench_cpu_runs_anything(void) { return 1; }

enum { GILBENCH_LOOP_COUNT = 3 };

static const gilbench_loop gilbench_loops[GILBENCH_LOOP_COUNT] = {
    /* best first */
    {"avx512-ifma", "ifma", "AVX-512 IFMA (avx512f, avx512ifma)", gilbench_cpu_has_ifma,
     GILBENCH_IFMA_LOOP},
    {"avx2", "avx2", "AVX2 (avx2)", gilbench_cpu_has_avx2, GILBENCH_AVX2_LOOP},
    {"portable", "portable", "nothing", gilbench_cpu_runs_anything, gilbench_sum_squares_portable}};

typedef struct {
  const gilbench_loop* loop; /* the loop in use; NULL if GILBENCH_KERNEL asks the impossible */
  const gilbench_loop* runnable[GILBENCH_LOOP_COUNT]; /* the loops this CPU runs, best first */
  int runnable_count;
  char error[200]; /* why no loop was chosen */
} gilbench_choice;

static gilbench_choice gilbench_chosen;

/* Runs as the shared library loads (a constructor), before the module's init. */
__attribute__((constructor)) static void gilbench_choose(void) {
  gilbench_choice* chosen = &gilbench_chosen;
  for (int k = 0; k < GILBENCH_LOOP_COUNT; ++k)
    if (gilbench_loops[k].cpu_runs())
      chosen->runnable[chosen->runnable_count++] = &gilbench_loops[k];
  const char* wanted = getenv("GILBENCH_KERNEL");
  if (!wanted || !*wanted) { /* the best this CPU runs; the portable loop runs anywhere */
    chosen->loop = chosen->runnable[0];
    return;
  }
  for (int k = 0; k < GILBENCH_LOOP_COUNT; ++k) {
    const gilbench_loop* loop = &gilbench_loops[k];
    if (strcmp(wanted, loop->name) != 0 && strcmp(wanted, loop->path) != 0) continue;
    if (loop->cpu_runs())
      chosen->loop = loop;
    else
      snprintf(chosen->error, sizeof chosen->error,
               "GILBENCH_KERNEL=%s asks for the %s loop, but this CPU lacks %s", wanted, loop->path,
               loop->needs);
    return;
  }
  snprintf(chosen->error, sizeof chosen->error,
           "GILBENCH_KERNEL=%s names no loop: choose ifma, avx2 or portable, or unset it for "
           "the best this CPU runs",
           wanted);
}

/* Exact sum of i*i for start <= i < stop <= 2**32, on the chosen loop. */
static inline unsigned __int128 gilbench_sum_squares(uint64_t start, uint64_t stop) {
  return gilbench_chosen.loop->sum_squares(start, stop);
}

#endif /* GILBENCH_SUM_SQUARES_H */
