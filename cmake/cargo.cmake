# cargo_module(name): cargo builds the workspace's cdylib `name` against the
# Python that CMake found (PyO3 reads PYO3_PYTHON), and it is installed into the
# gilbench package under that Python's extension suffix.
function(cargo_module name)
  set(library "${CMAKE_BINARY_DIR}/cargo/release/${CMAKE_SHARED_LIBRARY_PREFIX}${name}${CMAKE_SHARED_LIBRARY_SUFFIX}")
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/rust_ext/*.rs")
  add_custom_command(OUTPUT "${library}"
    COMMAND "${CMAKE_COMMAND}" -E env "PYO3_PYTHON=${Python_EXECUTABLE}" PYO3_BUILD_EXTENSION_MODULE=1
            "RUSTFLAGS=${GILBENCH_RUSTFLAGS}"
            "${CARGO}" build --release --locked --manifest-path "${CMAKE_SOURCE_DIR}/Cargo.toml"
            --target-dir "${CMAKE_BINARY_DIR}/cargo"
    DEPENDS ${sources} "${CMAKE_SOURCE_DIR}/rust_ext/Cargo.toml" "${CMAKE_SOURCE_DIR}/Cargo.toml"
            "${CMAKE_SOURCE_DIR}/Cargo.lock" "${GILBENCH_RUSTFLAGS_FILE}"
    WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}" USES_TERMINAL)
  add_custom_target(${name}_module ALL DEPENDS "${library}")
  execute_process(COMMAND "${Python_EXECUTABLE}" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"
    OUTPUT_VARIABLE suffix OUTPUT_STRIP_TRAILING_WHITESPACE)
  install(FILES "${library}" DESTINATION gilbench RENAME "${name}${suffix}")
endfunction()
