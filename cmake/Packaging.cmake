# Installing and packaging: what `cmake --install` puts where, and the Debian package
# `cpack -G DEB` makes from the build tree (docs/packaging.md):
#
#   cmake -S . -B build && cmake --build build -j2 --target mmtune mmtune_man
#   (cd build && cpack -G DEB)              # → build/mmtune_<version>_<arch>.deb
#
# The package holds the binary, the profiles, the man page (made by help2man from `mmtune --help`
# and each command's --help), bash completion, the README, the Grafana dashboard and the systemd
# timer that exports metrics for node_exporter. Depends is computed by dpkg-shlibdeps from the
# libraries the binary links, so it names exactly the runtime packages this build needs.
include(GNUInstallDirs)
# `cpack` and `make install` install what is built and do not first build every target (the tests
# take most of a full build): build mmtune and mmtune_man, then package.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(FILES README.md docs/prometheus.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES packaging/mmtune.bash-completion
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME mmtune)
install(FILES deploy/grafana/mmtune-dashboard.json DESTINATION ${CMAKE_INSTALL_DATADIR}/mmtune/grafana)
# The units name the binary without a path (systemd searches /usr/local/bin and /usr/bin), so they
# are right for a package in /usr and for `cmake --install` into /usr/local alike.
install(FILES deploy/systemd/mmtune-export.service deploy/systemd/mmtune-export.timer
  DESTINATION lib/systemd/system)

# The man page (packaging/make-man.sh): help2man from `mmtune --help`, every command's --help as
# a subsection of COMMANDS, and what --help does not say from packaging/mmtune.h2m. Built by
# `cmake --build build` when help2man is there; the README's first command, which builds only the
# mmtune target, does not need it.
find_program(MMTUNE_HELP2MAN help2man)
if(MMTUNE_HELP2MAN)
  set(man_page ${PROJECT_BINARY_DIR}/mmtune.1)
  add_custom_command(OUTPUT ${man_page}.gz
    COMMAND sh ${PROJECT_SOURCE_DIR}/packaging/make-man.sh $<TARGET_FILE:mmtune> ${PROJECT_VERSION}
      ${PROJECT_SOURCE_DIR}/packaging/mmtune.h2m ${man_page}
    DEPENDS mmtune ${PROJECT_SOURCE_DIR}/packaging/make-man.sh ${PROJECT_SOURCE_DIR}/packaging/mmtune.h2m
    COMMENT "Generating the man page mmtune.1 from mmtune --help"
    VERBATIM)
  add_custom_target(mmtune_man ALL DEPENDS ${man_page}.gz)
  install(FILES ${man_page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man page (apt-get install help2man)")
endif()

set(MMTUNE_PACKAGE_MAINTAINER "mmtune maintainers <mmtune@localhost>"
  CACHE STRING "Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mmtune)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "stress-tests the Linux memory manager and tells how to tune it")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "mmtune drives the kernel's memory manager with bounded workloads on the real host, watches\n\
what the kernel does through /proc and /sys, holds the outcome against a model of the kernel's\n\
own formulas and recommends vm.swappiness, vm.min_free_kbytes, vm.watermark_scale_factor, the\n\
dirty limits and Transparent Huge Pages, with the evidence. It applies advice through a journal\n\
that undoes it, gates CI on regressions, and exports metrics for node_exporter.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${MMTUNE_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What optional commands use: the node_exporter that serves `mmtune export`, and what `mmtune
# matrix` boots other kernels with.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
  "prometheus-node-exporter, qemu-system-x86, busybox-static, kmod, xz-utils")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/prerm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
