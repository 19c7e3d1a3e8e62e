# Gathers the seed corpus of every fuzz target from what the repository already has: the recorded
# hosts under tests/data/hosts, the documents under tests/data and profiles/, and the few inputs in
# tests/fuzz/seeds that tests/data has no example of.
#   cmake -DSOURCE=<repository> -DOUT=<dir> -P tests/fuzz/seeds.cmake
# writes OUT/<target>/<seed files> (the corpus directories scripts/fuzz.sh runs on).
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE OR NOT OUT)
  message(FATAL_ERROR "usage: cmake -DSOURCE=<repository> -DOUT=<dir> -P seeds.cmake")
endif()
set(data ${SOURCE}/tests/data)
set(own ${SOURCE}/tests/fuzz/seeds)
string(ASCII 1 record_end)
string(ASCII 2 path_end)
string(ASCII 3 second_state)

# Copies every file matching the globs into OUT/target, named after its path (flattened).
function(seed target)
  file(MAKE_DIRECTORY ${OUT}/${target})
  foreach(pattern IN LISTS ARGN)
    file(GLOB_RECURSE files ${pattern})
    foreach(file IN LISTS files)
      file(RELATIVE_PATH name ${SOURCE} ${file})
      string(REPLACE "/" "_" name ${name})
      file(COPY_FILE ${file} ${OUT}/${target}/${name})
    endforeach()
  endforeach()
endfunction()

# A recorded tree as one input for the tree targets: "PATH\x02CONTENT\x01" per file (tests/fuzz/
# fuzz.hpp, HostTree).
function(tree_records dir out_var)
  file(GLOB_RECURSE files RELATIVE ${dir} ${dir}/proc/* ${dir}/sys/*)
  set(records "")
  foreach(rel IN LISTS files)
    file(READ ${dir}/${rel} content)
    string(APPEND records "${rel}${path_end}${content}${record_end}")
  endforeach()
  set(${out_var} "${records}" PARENT_SCOPE)
endfunction()

# Text parsers of kernel files.
set(hosts ${data}/hosts)
seed(meminfo ${hosts}/*/proc/meminfo ${hosts}/*/meminfo ${own}/process/proc/self/status
  ${own}/process/proc/self/smaps_rollup)
seed(key_values ${hosts}/*/proc/vmstat ${hosts}/*/memory.stat ${hosts}/*/memory.events
  ${hosts}/*/memory.oom_control ${hosts}/*/numastat)
seed(zoneinfo ${hosts}/*/proc/zoneinfo)
seed(buddyinfo ${hosts}/*/proc/buddyinfo)
seed(psi ${hosts}/*/proc/pressure/* ${hosts}/*/memory.pressure)
seed(swaps ${hosts}/*/proc/swaps)
seed(mountinfo ${hosts}/*/proc/self/mountinfo)
seed(numa ${hosts}/*/cpulist ${hosts}/*/online ${own}/process/proc/self/numa_maps)
seed(sysfs_values ${hosts}/*/enabled ${hosts}/*/defrag
  ${hosts}/*/osrelease)
seed(kernel_log ${own}/kmsg.txt)
seed(tracefs ${own}/trace-balance-dirty-pages.txt)
seed(cpu_time ${own}/process/proc/self/stat ${own}/proc-stat)

# Recorded trees: each host, the process files, and for the sampler each host followed by another
# host's vmstat and zoneinfo written over it (the kernel changed the files' shape).
tree_records(${own}/process process_records)
file(GLOB host_dirs LIST_DIRECTORIES true ${hosts}/*)
file(MAKE_DIRECTORY ${OUT}/host_tree ${OUT}/sampler)
set(previous "")
foreach(dir IN LISTS host_dirs)
  if(NOT IS_DIRECTORY ${dir})
    continue()
  endif()
  get_filename_component(host ${dir} NAME)
  tree_records(${dir} records)
  file(WRITE ${OUT}/host_tree/${host} "${records}${process_records}")
  set(changed "")
  if(previous)
    foreach(rel proc/vmstat proc/zoneinfo)
      file(READ ${previous}/${rel} content)
      string(APPEND changed "${rel}${path_end}${content}${record_end}")
    endforeach()
  endif()
  file(WRITE ${OUT}/sampler/${host} "${records}${process_records}${second_state}${changed}")
  set(previous ${dir})
endforeach()

# Documents mmtune wrote: what report, check and advise --from read back.
seed(fleet_input ${data}/reports/*.json ${data}/golden/*/advise-*.json ${own}/*.json)
seed(report_input ${data}/reports/*.json ${data}/golden/*/host.json
  ${data}/golden/*/advise-general.json ${own}/scenario-ci-tiny.json)
seed(scenario ${own}/scenario-ci-tiny.json)
seed(baseline ${own}/baseline-ci-tiny.json)
seed(profile ${SOURCE}/profiles/*.json ${data}/profiles/*.json)
seed(change_file ${own}/sysctl.conf ${data}/golden/*/advise-database.json)
seed(journal ${own}/journal.jsonl)
file(MAKE_DIRECTORY ${OUT}/result)
file(READ ${data}/reports/sweep-demand-paging.json sweep)
string(JSON result GET "${sweep}" settings 0 runs 0 result)
file(WRITE ${OUT}/result/sweep-run.json "${result}")
file(WRITE ${OUT}/report_input/sweep-run.json "${result}")
file(READ ${own}/scenario-ci-tiny.json scenario)
string(JSON result GET "${scenario}" steps 0 result)
file(WRITE ${OUT}/result/scenario-step.json "${result}")

# Kernel package metadata and what a matrix guest sends back.
seed(matrix_kernel ${own}/matrix-kernel.bin)
seed(matrix_guest ${own}/matrix-guest.bin)

# Command-line values.
file(MAKE_DIRECTORY ${OUT}/command_line_values)
foreach(value 1.5GiB 250ms 25% vm.dirty_ratio=5,10,20 vm.swappiness=10 thp.enabled=never)
  string(MAKE_C_IDENTIFIER ${value} name)
  file(WRITE ${OUT}/command_line_values/${name} ${value})
endforeach()
