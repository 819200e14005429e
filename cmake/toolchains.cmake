# Each toolchain is checked before any is used, so that a missing one is named
# with how to install it. Sets CARGO, and enables C and C++.
include(CheckLanguage)
check_language(C)
check_language(CXX)
if(NOT CMAKE_C_COMPILER OR NOT CMAKE_CXX_COMPILER)
  message(FATAL_ERROR "gilbench needs a C and C++17 compiler (gcc/g++ or clang/clang++). "
    "Install one: Debian/Ubuntu `sudo apt-get install g++`, Fedora `sudo dnf install gcc-c++`, "
    "macOS `xcode-select --install`.")
endif()
find_program(CARGO cargo HINTS "$ENV{CARGO_HOME}/bin" "$ENV{HOME}/.cargo/bin")
if(NOT CARGO)
  message(FATAL_ERROR "gilbench needs Rust's cargo (Rust >= 1.89) to build its PyO3 backend. "
    "Install it from https://rustup.rs: `curl --proto '=https' -sSf https://sh.rustup.rs | sh`, "
    "then open a new shell (or `source ~/.cargo/env`) and install gilbench again.")
endif()
enable_language(C CXX)
