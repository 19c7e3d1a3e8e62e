#include "changes/memcg.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "probes/parsers.hpp"

namespace mmtune::changes {

MemcgFiles memcg_files(int version) {
  if (version == 2) {
    return {"memory.max",     "memory.swap.max", "memory.peak",     "memory.events",
            "memory.current", std::nullopt,      "memory.pressure", false};
  }
  if (version == 1) {
    return {"memory.limit_in_bytes",
            "memory.memsw.limit_in_bytes",
            "memory.max_usage_in_bytes",
            "memory.oom_control",
            "memory.usage_in_bytes",
            "memory.swappiness",
            std::nullopt,
            true};
  }
  fail(ErrorKind::internal, "memory cgroup version {} is neither 1 nor 2", version);
}

uint64_t swap_limit_value(const MemcgFiles& files, uint64_t limit_bytes, uint64_t swap_bytes) {
  return files.swap_limit_includes_memory ? limit_bytes + swap_bytes : swap_bytes;
}

probes::CgroupDir own_memory_cgroup(const probes::HostFs& fs) {
  facts::CgroupMemory own = probes::read_own_cgroup(fs);
  if (own.version == 0 || own.dir.empty()) {
    fail(ErrorKind::unsupported, "no memory cgroup controller on this host");
  }
  return {own.dir, own.version};
}

WorkerCgroup::WorkerCgroup(Journal& journal, const probes::CgroupDir& parent,
                           const std::string& name)
    : journal_(journal),
      fs_(journal.fs()),
      version_(parent.version),
      files_(memcg_files(parent.version)) {
  if (!probes::has_memory_controller(fs_, parent.dir, parent.version)) {
    fail(ErrorKind::unsupported, "{}: no memory controller to make a worker cgroup in",
         fs_.path(parent.dir).string());
  }
  dir_ = parent.dir + "/" + name;
  journal_.create_cgroup(dir_);
}

std::string WorkerCgroup::procs_path() const { return fs_.path(dir_ + "/cgroup.procs").string(); }

void WorkerCgroup::set_limit(uint64_t bytes) {
  journal_.write_owned(dir_ + "/" + files_.limit, std::to_string(bytes));
  limit_ = bytes;
}

void WorkerCgroup::set_swap_limit(uint64_t bytes) {
  const std::string path = dir_ + "/" + files_.swap_limit;
  if (!fs_.exists(path)) {
    fail(ErrorKind::unsupported,
         "{}: missing (swap accounting is off: swapaccount=0 or no swap support)",
         fs_.path(path).string());
  }
  journal_.write_owned(path, std::to_string(swap_limit_value(files_, limit_, bytes)));
}

void WorkerCgroup::set_swappiness(int value) {
  if (!files_.swappiness)
    fail(ErrorKind::internal, "cgroup v2 has no per-cgroup swappiness; set vm.swappiness");
  journal_.write_owned(dir_ + "/" + *files_.swappiness, std::to_string(value));
}

void WorkerCgroup::move_self() {
  journal_.write_owned(dir_ + "/cgroup.procs", std::to_string(::getpid()));
}

void WorkerCgroup::sample_usage() {
  if (auto text = fs_.read(dir_ + "/" + files_.usage)) {
    uint64_t now = std::strtoull(text->c_str(), nullptr, 10);
    sampled_peak_ = std::max(sampled_peak_.value_or(0), now);
  }
}

std::optional<WorkerCgroup::Peak> WorkerCgroup::peak() const {
  if (auto bytes = peak_bytes()) return Peak{*bytes, files_.peak};
  if (sampled_peak_) {
    return Peak{*sampled_peak_, fmt::format("highest {} sampled (no {} before Linux 6.6)",
                                            files_.usage, files_.peak)};
  }
  return std::nullopt;
}

facts::CgroupMemory WorkerCgroup::read() const {
  return probes::read_cgroup_dir(fs_, dir_, version_);
}

std::optional<uint64_t> WorkerCgroup::oom_kills() const {
  return probes::parse_key_values(fs_.read(dir_ + "/" + files_.events).value_or(""))
      .get("oom_kill");
}

std::optional<uint64_t> WorkerCgroup::peak_bytes() const {
  auto text = fs_.read(dir_ + "/" + files_.peak);
  if (!text) return std::nullopt;
  return std::strtoull(text->c_str(), nullptr, 10);
}

}  // namespace mmtune::changes
