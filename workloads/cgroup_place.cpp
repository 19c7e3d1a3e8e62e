#include "workloads/cgroup_place.hpp"

#include <unistd.h>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "workloads/session.hpp"

namespace mmtune::workloads {

std::optional<changes::CgroupPlace> open_cgroup_place(Session& session,
                                                      const std::vector<std::string>& controllers) {
  if (!session.journal()) fail(ErrorKind::internal, "worker cgroups need the run's journal");
  if (::geteuid() != 0) {
    session.skip("needs root to make cgroups");
    return std::nullopt;
  }
  try {
    changes::CgroupPlace place(*session.journal(), controllers);
    session.note("cgroups: " + place.describe());
    return place;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::unsupported) throw;
    session.skip(e.what());
    return std::nullopt;
  }
}

}  // namespace mmtune::workloads
