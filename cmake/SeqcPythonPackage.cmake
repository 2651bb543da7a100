# `pip install .` / `pip wheel .` (scikit-build-core, pyproject.toml) install
# the seqc Python package with
#   seqc/bin/{seqc,seq-opt,seq-run}
#   seqc/lib/libseqc_runtime.a    (seqc links artifacts with it: <tool>/../lib,
#                                  lib/Target/CPU/SharedLibLinker.cpp)
#   seqc/include/seqc/Runtime/seqc_runtime.h
# as the install component `seqc_python`. A plain CMake build (SKBUILD
# unset, scripts/build.sh) is unaffected.
if(NOT SKBUILD)
  return()
endif()

# Reuse what scripts/build.sh compiled: ccache with paths relative to the
# checkout (CCACHE_BASEDIR), so a build directory at the same depth as
# build/ (pyproject's build-dir) hits the cache.
find_program(SEQC_CCACHE ccache)
if(SEQC_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env
      CCACHE_BASEDIR=${PROJECT_SOURCE_DIR} ${SEQC_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_C_COMPILER_LAUNCHER})
endif()

function(seqc_install_python_package)
  install(TARGETS seqc seq-opt seq-run
          RUNTIME DESTINATION seqc/bin COMPONENT seqc_python)
  install(TARGETS seqc_runtime
          ARCHIVE DESTINATION seqc/lib COMPONENT seqc_python)
  install(FILES ${PROJECT_SOURCE_DIR}/include/seqc/Runtime/seqc_runtime.h
          DESTINATION seqc/include/seqc/Runtime COMPONENT seqc_python)
  # libMLIR.so / libLLVM.so stay in LLVM's directory (not on the default
  # library path on Debian).
  set_target_properties(seqc seq-opt PROPERTIES
    INSTALL_RPATH "${LLVM_LIBRARY_DIR}")
endfunction()
# The targets are defined by the subdirectories added after this file.
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR}
               CALL seqc_install_python_package)
