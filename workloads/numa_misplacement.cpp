// numa-misplacement: what memory on the wrong NUMA node costs, whether pages land where the
// policy says, and whether automatic NUMA balancing moves them back.
//
// The thread runs on node A (the first node with CPUs; numa_run_on_node). Two regions of --size
// are bound with mbind(MPOL_BIND) before they are touched: one to A (local), one to another node
// B with memory (remote). For each, placement is checked page by page — move_pages(2) in query
// mode on up to 4096 sampled pages, and the region's own line of /proc/self/numa_maps — then read
// and write bandwidth (best of --passes over the region) and the latency of a random pointer
// chase over its cache lines are measured. The penalty is remote over local.
//
// Balancing (--balancing on): kernel.numa_balancing is set to 1 through the journal (restored at
// the end, also after a crash by `mmtune restore`). A third region is put on B with
// MPOL_PREFERRED, its policy reset to default (the kernel migrates default-policy pages only), and
// the thread on A reads and writes it for --balancing-time; /proc/vmstat numa_hint_faults and
// numa_pages_migrated and a second placement check say whether the kernel moved the pages to A.
//
// One node (this machine): not supported, the model's penalty from a recorded NUMA host still
// shows in `mmtune model --root`. Under QEMU (`mmtune matrix --numa 2`) the nodes are emulated:
// placement and migration are real kernel behaviour, but remote memory costs what local memory
// costs (the distance table is only a table), so the measured penalty is no tuning evidence; the
// result says so when DMI names QEMU.
#include <fmt/format.h>
#include <numa.h>
#include <numaif.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/numa.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
#include "workloads/loops.hpp"
#include "workloads/mapping.hpp"
#include "workloads/session.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

constexpr size_t kMaxSamples = 4096;

struct Options {
  uint64_t size = 0;
  int passes = 0;
  uint64_t chase_steps = 0;
  bool balancing = false;
  std::chrono::nanoseconds balancing_time{};
};

constexpr Param kParams[] = {
    bind<&Options::size>({"size", ParamKind::size, "bytes", "128MiB",
                          "size of each region (local, remote, and the balancing one)",
                          4 * 1024 * 1024}),
    bind<&Options::passes>({"passes", ParamKind::integer, "passes", "3",
                            "bandwidth passes per region; the best counts", 1, 100}),
    bind<&Options::chase_steps>({"chase-steps", ParamKind::integer, "loads", "2000000",
                                 "dependent loads per latency measurement", 1000, 1e10}),
    bind<&Options::balancing>({"balancing", ParamKind::choice, "choice", "on",
                               "on: also watch NUMA balancing move misplaced pages "
                               "(kernel.numa_balancing=1, restored)",
                               0, 0, "on|off"}),
    bind<&Options::balancing_time>({"balancing-time", ParamKind::duration, "s", "8s",
                                    "how long the thread uses the misplaced region", 1, 600}),
};

std::optional<std::string> unsupported(const facts::HostFacts& facts) {
  int with_memory = 0;
  for (const facts::NumaNode& node : facts.numa)
    with_memory += node.mem_total_bytes.value_or(1) > 0;
  if (facts.numa.size() < 2 || with_memory < 2) {
    return facts.numa.size() < 2 ? "one NUMA node" : "only one NUMA node has memory";
  }
  for (const facts::NumaNode& node : facts.numa) {
    if (!node.cpus.empty()) return std::nullopt;
  }
  return "no NUMA node lists a CPU";
}

uint64_t footprint(const Options& o) { return 3 * o.size + o.size / 64 * 4; }

struct Nodes {
  int local = -1, remote = -1, cpu = -1;
};

// A: the first node with CPUs; B: the nearest other node with memory (the likeliest misplacement).
Nodes pick_nodes(const std::vector<facts::NumaNode>& numa) {
  Nodes nodes;
  for (const facts::NumaNode& node : numa) {
    if (!node.cpus.empty()) {
      nodes.local = node.id;
      nodes.cpu = node.cpus.front();
      break;
    }
  }
  int best = 1 << 30;
  for (const facts::NumaNode& node : numa) {
    if (node.id == nodes.local || node.mem_total_bytes.value_or(1) == 0) continue;
    int distance = 0;
    try {
      distance = int(model::remote_penalty(numa, nodes.local, node.id) * 1000);
    } catch (const Error&) {
      distance = 1 << 29;
    }
    if (distance < best) {
      best = distance;
      nodes.remote = node.id;
    }
  }
  return nodes;
}

model::NumaPlacement placement_for(int node, const Nodes& nodes, uint64_t bytes, bool balancing,
                                   model::MemPolicy policy, const facts::HostFacts& facts) {
  model::NumaShape shape;
  shape.policy = policy;
  shape.nodes = {node};
  shape.cpu = nodes.cpu;
  shape.bytes = bytes;
  shape.numa_balancing = balancing;
  return model::predict_numa_placement(shape, facts.numa);
}

// Without a second node with memory the model's whole answer is that nothing can be remote: every
// page lands on the thread's own node, penalty 1×. Shown (not compared: nothing is measured here).
std::vector<Expectation> predict_without_remote(uint64_t size, const facts::HostFacts& facts,
                                                const std::string& why_not) {
  model::NumaPlacement placement;
  int cpu_node = -1;
  for (const facts::NumaNode& node : facts.numa) {
    if (!node.cpus.empty()) {
      cpu_node = node.id;
      placement = placement_for(node.id, {node.id, -1, node.cpus.front()}, size, false,
                                model::MemPolicy::local, facts);
      break;
    }
  }
  std::string text = fmt::format("{}: no remote access possible", why_not);
  if (cpu_node < 0) {
    // No node list at all (a kernel without CONFIG_NUMA): all memory is one node's.
    placement.penalty = {"penalty",
                         1.0,
                         "x",
                         {"penalty = distance(A, A) / distance(A, A) = 1", "no NUMA nodes", ""}};
    placement.remote_fraction = {
        "remote_fraction", 0.0, "ratio", {"remote = bytes not on the thread's node", "", ""}};
  }
  placement.penalty.name = "latency_penalty";
  placement.penalty.why.text = text + "; " + placement.penalty.why.text;
  placement.remote_fraction.why.text = text + "; " + placement.remote_fraction.why.text;
  return {{"", placement.penalty, std::nullopt, std::nullopt, std::nullopt},
          {"", placement.remote_fraction, std::nullopt, std::nullopt, std::nullopt}};
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  std::vector<Expectation> out;
  const uint64_t size = o.size;
  if (std::optional<std::string> why_not = unsupported(facts))
    return predict_without_remote(size, facts, *why_not);
  Nodes nodes = pick_nodes(facts.numa);
  if (nodes.remote < 0)
    return predict_without_remote(size, facts, "no second node with memory near a CPU node");
  for (auto [label, node] : {std::pair{"local", nodes.local}, std::pair{"remote", nodes.remote}}) {
    model::NumaPlacement placement =
        placement_for(node, nodes, size, false, model::MemPolicy::bind, facts);
    auto it = placement.bytes_per_node.find(node);
    double share = it == placement.bytes_per_node.end() ? 0 : double(it->second) / double(size);
    model::Prediction on_node{"on_requested_node." + std::string(label), share, "fraction",
                              placement.why};
    out.push_back(
        {"on_requested_node." + std::string(label), on_node, std::nullopt, share - 0.01, 1.0});
    if (std::string(label) == "remote") {
      // Informational: firmware's distance ratio, not a measured cost (and meaningless when
      // emulated).
      out.push_back(
          {"latency_penalty", placement.penalty, std::nullopt, std::nullopt, std::nullopt});
    }
  }
  if (o.balancing) {
    // The balancing region: placed on B (as if first touched by a CPU of B), default policy, used
    // from A. The model needs a CPU of B to say so; a memory-only B has none.
    const facts::NumaNode* remote = nullptr;
    for (const facts::NumaNode& node : facts.numa) {
      if (node.id == nodes.remote && !node.cpus.empty()) remote = &node;
    }
    if (remote) {
      model::NumaShape shape;
      shape.policy = model::MemPolicy::local;
      shape.cpu = remote->cpus.front();
      shape.access_cpu = nodes.cpu;
      shape.bytes = size;
      shape.numa_balancing = true;
      model::NumaPlacement moved = model::predict_numa_placement(shape, facts.numa);
      model::Prediction migrates{"balancing_migrates", moved.balancing_may_migrate ? 1.0 : 0.0,
                                 "bool", moved.why};
      out.push_back({"balancing_migrates", migrates, 0.0, std::nullopt, std::nullopt});
    }
  }
  return out;
}

// Pages per node of `length` bytes at `base`, from move_pages in query mode on evenly spread
// samples.
std::map<int, uint64_t> sample_placement(char* base, size_t length) {
  size_t pages = length / kPage;
  size_t step = std::max<size_t>(1, pages / kMaxSamples);
  std::vector<void*> addresses;
  for (size_t i = 0; i < pages; i += step) addresses.push_back(base + i * kPage);
  std::vector<int> status(addresses.size(), -1);
  if (::move_pages(0, addresses.size(), addresses.data(), nullptr, status.data(), 0) != 0) {
    fail(ErrorKind::internal, "move_pages (query): {}", std::strerror(errno));
  }
  std::map<int, uint64_t> counts;
  for (int node : status)
    counts[node]++;  // a negative value is an error code (-ENOENT: not present)
  return counts;
}

// The region's own line of /proc/self/numa_maps: its policy and N<node>=<pages>.
std::string numa_maps_line(const probes::HostFs& fs, const void* base) {
  std::string text = fs.read("proc/self/numa_maps").value_or("");
  std::string prefix = fmt::format("{:x} ", reinterpret_cast<uintptr_t>(base));
  size_t at = text.starts_with(prefix) ? 0 : text.find("\n" + prefix);
  if (at == std::string::npos) return {};
  if (at > 0) ++at;
  return text.substr(at, text.find('\n', at) - at);
}

void bind_to_node(char* base, size_t length, int node, int mode) {
  struct bitmask* mask = numa_allocate_nodemask();
  numa_bitmask_setbit(mask, static_cast<unsigned>(node));
  long rc = ::mbind(base, length, mode, mask->maskp, mask->size + 1, 0);
  numa_free_nodemask(mask);
  if (rc != 0) fail(ErrorKind::unsupported, "mbind to node {}: {}", node, std::strerror(errno));
}

double best_seconds(int passes, const std::function<void()>& work) {
  double best = 1e300;
  for (int i = 0; i < passes; ++i) {
    int64_t t0 = monotonic_ns();
    work();
    best = std::min(best, double(monotonic_ns() - t0) / 1e9);
  }
  return best;
}

uint64_t sum_words(const char* base, size_t length) {
  const auto* words = reinterpret_cast<const uint64_t*>(base);
  uint64_t sum = 0;
  for (size_t i = 0; i < length / 8; ++i) sum += words[i];
  return sum;
}

void measure_region(Session& session, const Options& o, const std::string& label, int node,
                    const Nodes& nodes) {
  const size_t size = o.size;
  const std::map<std::string, std::string> labels = {
      {"region", label}, {"node", std::to_string(node)}, {"cpu_node", std::to_string(nodes.local)}};
  Mapping region = Mapping::anonymous(size, true, HugeAdvice::none);
  bind_to_node(region.data(), region.size(), node, MPOL_BIND);
  PhaseStart phase = session.begin_phase("place." + label);
  touch_sequential(region.data(), region.size(), Session::stop_flag(), nullptr);
  session.end_phase(phase);

  std::map<int, uint64_t> placed = sample_placement(region.data(), region.size());
  uint64_t sampled = 0;
  for (auto [n, count] : placed) sampled += count;
  session.measured(
      "on_requested_node." + label, double(placed[node]) / double(sampled), "fraction",
      fmt::format("move_pages(2) query of {} sampled pages: share on node {}", sampled, node),
      labels);
  for (auto [n, count] : placed) {
    session.measured(fmt::format("sampled_pages.{}.node{}", label, n), double(count), "pages",
                     "move_pages(2) query status (negative: an error code)", labels);
  }
  if (std::string line = numa_maps_line(session.fs(), region.data()); !line.empty()) {
    session.note(fmt::format("numa_maps of the {} region: {}", label, line));
  }
  if (session.stop_requested()) return;

  const int passes = o.passes;
  volatile uint64_t sink = 0;
  double read_s =
      best_seconds(passes, [&] { sink = sink + sum_words(region.data(), region.size()); });
  double write_s =
      best_seconds(passes, [&] { std::memset(region.data(), int(sink & 0x7f), region.size()); });
  const double gib = double(size) / double(1ull << 30);
  session.measured(
      "read_gib_s." + label, gib / read_s, "GiB/s",
      fmt::format("best of {} sequential 8-byte-word reads of the region, CLOCK_MONOTONIC", passes),
      labels);
  session.measured("write_gib_s." + label, gib / write_s, "GiB/s",
                   fmt::format("best of {} memsets of the region, CLOCK_MONOTONIC", passes),
                   labels);

  uint64_t start = build_chase(region.data(), region.size(), 64, 0x6e756d61);
  const uint64_t steps = o.chase_steps;
  // An untimed eighth first: the first random walk of a run also pays for warming the TLB and
  // caches (under QEMU TCG its software TLB grows), which would bias whichever region goes first.
  sink = sink + chase(region.data(), start, std::max<uint64_t>(1, steps / 8));
  int64_t t0 = monotonic_ns();
  sink = sink + chase(region.data(), start, steps);
  double ns = double(monotonic_ns() - t0) / double(steps);
  session.measured(
      "latency_ns." + label, ns, "ns",
      fmt::format("{} dependent loads of a random chain over the region's cache lines", steps),
      labels);
}

const Measurement* find(const Session& session, std::string_view name) {
  for (const Measurement& m : session.measurements()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

void watch_balancing(Session& session, const Options& o, const Nodes& nodes) {
  if (!session.fs().exists("proc/sys/kernel/numa_balancing")) {
    session.note("balancing: this kernel has no kernel.numa_balancing (CONFIG_NUMA_BALANCING off)");
    return;
  }
  if (!session.journal())
    fail(ErrorKind::internal, "numa-misplacement needs the run's journal to set numa_balancing");
  session.journal()->set_knob("kernel.numa_balancing", "1");

  Mapping region = Mapping::anonymous(o.size, true, HugeAdvice::none);
  bind_to_node(region.data(), region.size(), nodes.remote, MPOL_PREFERRED);
  touch_sequential(region.data(), region.size(), Session::stop_flag(), nullptr);
  // Default policy from now on: the only one NUMA balancing migrates (MPOL_F_MOF).
  if (::mbind(region.data(), region.size(), MPOL_DEFAULT, nullptr, 0, 0) != 0) {
    fail(ErrorKind::internal, "mbind(MPOL_DEFAULT): {}", std::strerror(errno));
  }
  std::map<int, uint64_t> before = sample_placement(region.data(), region.size());

  PhaseStart phase = session.begin_phase("balancing");
  const double seconds = facts::seconds(o.balancing_time);
  volatile uint64_t sink = 0;
  uint64_t sweeps = 0;
  while (session.elapsed_s() - phase.start_s < seconds && !session.stop_requested()) {
    sink = sink + sum_words(region.data(), region.size());
    std::memset(region.data(), int(sink & 0x7f), region.size() / 2);
    ++sweeps;
  }
  Phase done = session.end_phase(phase);
  std::map<int, uint64_t> after = sample_placement(region.data(), region.size());
  uint64_t sampled = 0;
  for (auto [n, count] : after) sampled += count;

  const std::map<std::string, std::string> labels = {{"region", "balancing"},
                                                     {"from", std::to_string(nodes.remote)},
                                                     {"to", std::to_string(nodes.local)}};
  session.measured("balancing.on_remote_before", double(before[nodes.remote]) / double(sampled),
                   "fraction", "move_pages(2) query before the thread used the region", labels);
  session.measured(
      "balancing.on_local_after", double(after[nodes.local]) / double(sampled), "fraction",
      fmt::format("move_pages(2) query after {:.0f} s of use from node {}", seconds, nodes.local),
      labels);
  for (const char* counter :
       {"numa_hint_faults", "numa_hint_faults_local", "numa_pages_migrated", "numa_pte_updates"}) {
    if (std::optional<uint64_t> delta = done.vmstat_delta.get(counter)) {
      session.measured(fmt::format("balancing.{}", counter), double(*delta),
                       counter == std::string("numa_pages_migrated") ? "pages" : "events",
                       fmt::format("/proc/vmstat {} delta over the phase (host-wide)", counter),
                       labels);
    } else {
      session.measured(fmt::format("balancing.{}", counter), 0, "events",
                       fmt::format("/proc/vmstat {} did not change over the phase", counter),
                       labels);
    }
  }
  session.measured("balancing.sweeps", double(sweeps), "sweeps",
                   "read-all + write-half passes over the region", labels);
  double moved = double(after[nodes.local]) / double(sampled);
  session.derived("balancing_migrates", moved > 0.5 ? 1 : 0, "bool",
                  "1 when more than half of the sampled pages are on the thread's node afterwards");
  session.explain(fmt::format(
      "NUMA balancing moved {:.0f} % of the sampled pages from node {} to node {} in {:.0f} s",
      moved * 100, nodes.remote, nodes.local, seconds));
}

void run(Session& session, const Options& o) {
  if (numa_available() < 0) {
    session.skip("libnuma: this kernel has no NUMA support (numa_available() < 0)");
    return;
  }
  const facts::HostFacts& facts = session.host();
  Nodes nodes = pick_nodes(facts.numa);
  if (nodes.local < 0 || nodes.remote < 0) {
    session.skip("no pair of nodes: one with CPUs and another with memory");
    return;
  }
  if (numa_run_on_node(nodes.local) != 0) {
    fail(ErrorKind::unsupported, "numa_run_on_node({}): {}", nodes.local, std::strerror(errno));
  }
  std::string vendor(probes::trim(session.fs().read("sys/class/dmi/id/sys_vendor").value_or("")));
  const bool emulated = vendor == "QEMU";
  session.measured(
      "nodes_emulated", emulated ? 1 : 0, "bool",
      fmt::format("/sys/class/dmi/id/sys_vendor is \"{}\"", vendor.empty() ? "absent" : vendor));
  if (emulated) {
    session.note(
        "the NUMA nodes are emulated by QEMU: placement and migration are real kernel behaviour, "
        "but remote "
        "memory costs the same as local memory, so the measured penalty is not tuning evidence");
  }

  measure_region(session, o, "local", nodes.local, nodes);
  if (session.stop_requested()) return;
  measure_region(session, o, "remote", nodes.remote, nodes);
  if (session.stop_requested()) return;

  const Measurement* local_ns = find(session, "latency_ns.local");
  const Measurement* remote_ns = find(session, "latency_ns.remote");
  const Measurement* local_read = find(session, "read_gib_s.local");
  const Measurement* remote_read = find(session, "read_gib_s.remote");
  if (local_ns && remote_ns) {
    session.derived("latency_penalty", remote_ns->value / local_ns->value, "x",
                    "latency_ns.remote / latency_ns.local");
  }
  if (local_read && remote_read) {
    session.derived("read_bandwidth_penalty", local_read->value / remote_read->value, "x",
                    "read_gib_s.local / read_gib_s.remote");
  }
  const Measurement* remote_share = find(session, "on_requested_node.remote");
  session.explain(fmt::format(
      "finding: thread on node {} (CPU {}), memory bound to node {}: {:.1f} % of the sampled pages "
      "there; latency {:.2f}× local{}",
      nodes.local, nodes.cpu, nodes.remote, remote_share ? remote_share->value * 100 : 0,
      local_ns && remote_ns ? remote_ns->value / local_ns->value : 0,
      emulated ? " (emulated nodes: no real penalty expected)" : ""));
  if (o.balancing) watch_balancing(session, o, nodes);
}

}  // namespace

extern const Workload kNumaMisplacement =
    define_workload<unsupported, nullptr, footprint, predict, run>(
        "numa-misplacement",
        "Memory on the wrong NUMA node: placement, remote penalty, and whether NUMA balancing "
        "moves it",
        kParams);

}  // namespace mmtune::workloads
