#pragma once
// Counts every operator new of the probes test binary (allocation_counter.cpp replaces the global
// operator new/delete), so a test can prove that a code path does not allocate.
#include <cstddef>

namespace mmtune::test {

size_t allocations_so_far();

}  // namespace mmtune::test
