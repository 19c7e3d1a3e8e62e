# Run at build time (cli/CMakeLists.txt): writes OUT from IN with the source tree's `git describe`,
# through configure_file so that the header changes, and version.cpp is compiled again, only when
# the description does.
execute_process(
  COMMAND git -C "${SOURCE_DIR}" describe --tags --always --dirty
  OUTPUT_VARIABLE MMTUNE_GIT_DESCRIBE
  OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET
  RESULT_VARIABLE git_status)
if(NOT git_status EQUAL 0 OR MMTUNE_GIT_DESCRIBE STREQUAL "")
  set(MMTUNE_GIT_DESCRIBE "unknown (not built from a git checkout)")
endif()
configure_file("${IN}" "${OUT}" @ONLY)
