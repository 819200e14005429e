# What each module was built with, for `gilbench info` and saved results:
# writes build_info.json (from build_info.json.in) into the gilbench package.
execute_process(COMMAND "${CARGO}" --version OUTPUT_VARIABLE cargo_version OUTPUT_STRIP_TRAILING_WHITESPACE)
get_filename_component(cargo_dir "${CARGO}" DIRECTORY)
find_program(RUSTC rustc HINTS "${cargo_dir}")  # the compiler cargo runs, beside it
execute_process(COMMAND "${RUSTC}" --version WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
  OUTPUT_VARIABLE rustc_version OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
file(READ "${CMAKE_SOURCE_DIR}/Cargo.lock" cargo_lock)
string(REGEX MATCH "name = \"pyo3\"\nversion = \"([^\"]+)\"" _ "${cargo_lock}")
configure_file("${CMAKE_CURRENT_LIST_DIR}/build_info.json.in" build_info.json @ONLY)
install(FILES "${CMAKE_BINARY_DIR}/build_info.json" DESTINATION gilbench RENAME _build_info.json)
