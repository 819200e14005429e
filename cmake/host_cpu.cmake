# The default build is portable: it runs on any CPU of its architecture and picks
# the best loop the CPU has at run time. GILBENCH_HOST_CPU=ON compiles for this
# machine's CPU instead (-march=native, -C target-cpu=native); such a wheel may
# crash with "illegal instruction" on another CPU.
#   pip install . -Ccmake.define.GILBENCH_HOST_CPU=ON
# Sets GILBENCH_RUSTFLAGS for cargo, and GILBENCH_RUSTFLAGS_FILE, a file that
# changes (and so rebuilds the Rust module) when they do.
option(GILBENCH_HOST_CPU "compile the native kernels for this machine's CPU only" OFF)
set(GILBENCH_RUSTFLAGS "$ENV{RUSTFLAGS}")
if(GILBENCH_HOST_CPU)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "GNU|Clang" OR NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "GILBENCH_HOST_CPU=ON needs gcc or clang (for -march=native).")
  endif()
  add_compile_options(-march=native)
  string(APPEND GILBENCH_RUSTFLAGS " -C target-cpu=native")
endif()
set(GILBENCH_RUSTFLAGS_FILE "${CMAKE_BINARY_DIR}/rustflags.txt")
file(CONFIGURE OUTPUT "${GILBENCH_RUSTFLAGS_FILE}" CONTENT "${GILBENCH_RUSTFLAGS}")
