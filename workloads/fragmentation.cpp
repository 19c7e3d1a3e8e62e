// fragmentation: free memory broken into pieces smaller than 2 MiB, and what that costs huge pages.
//
// How free memory is fragmented (docs/workloads.md, "fragmentation"): with thp.defrag = never, so
// that no fault compacts, 2 MiB-aligned MADV_HUGEPAGE memory is faulted one byte per 2 MiB, 256 MiB
// at a time, which takes exactly the free 2 MiB blocks there are (a fault that finds none falls
// back to a 4 KiB page; the fragmenting stops at the first batch where most do, or at --span). Of
// each huge page all but its first 4 KiB page is given back (MADV_DONTNEED) and the huge page is
// split (debugfs split_huge_pages, or where lockdown refuses that write, the deferred-split
// shrinker run by vm.drop_caches=2): its 511 pages return to the free lists as one free block of
// each order 0-8. The page kept is pinned as an io_uring registered buffer (FOLL_LONGTERM).
// Compaction skips a pinned page, so the block cannot be made whole again while the pin lasts; the
// memory held is 1/512 of what was fragmented. vm.compaction_proactiveness is 0 while this and the
// measurements run, so that background compaction does not repair what is being measured.
//
// Then, under each thp.defrag mode the kernel accepts, a --fault-size MADV_HUGEPAGE region is
// faulted: the latency of each 2 MiB range's first write (the fault that tries for a huge page,
// direct compaction included), huge pages got (the region's own pages, /proc/kpageflags), the
// host's compaction counters and memory-stall time (PSI) over the phase. The huge pages a mode got
// are fragmented and pinned the same way before the next mode, so every mode meets the same free
// lists. A runtime hugetlb reservation (2 MiB pages, and one 1 GiB page where the CPU has them) is
// made before fragmenting, after it, and after a manual vm.compact_memory, each time given back at
// once. Before that compaction, the host's own proactiveness is put back and kcompactd is watched
// for --repair rebuilding free 2 MiB blocks around the pins; last, the pins are released.
//
// Every setting (thp.defrag, vm.compaction_proactiveness, the hugetlb pools) goes through the
// run's journal; debugfs is mounted for the run where the host has none (changes/debugfs.hpp).
#include "model/fragmentation.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <liburing.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>

#include "changes/debugfs.hpp"
#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/thp.hpp"
#include "probes/free_lists.hpp"
#include "probes/readers.hpp"
#include "workloads/latency.hpp"
#include "workloads/loops.hpp"
#include "workloads/mapping.hpp"
#include "workloads/session.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

struct Options {
  uint64_t span = 0;
  uint64_t fault_size = 0;
  uint64_t hugetlb = 0;
  bool gigantic = true;
  std::chrono::nanoseconds repair{};
};

constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kBatch = 256ull << 20;       // fragmented per step: 128 huge pages
constexpr unsigned kMaxPinsPerRing = 1u << 14;  // IORING_MAX_REG_BUFFERS

constexpr Param kParams[] = {
    bind<&Options::span>({"span", ParamKind::size, "bytes", "16GiB",
                          "free memory to fragment at most (its free 2 MiB blocks, one page of "
                          "each kept and pinned)",
                          64 * 1024 * 1024}),
    bind<&Options::fault_size>({"fault-size", ParamKind::size, "bytes", "256MiB",
                                "MADV_HUGEPAGE region faulted under each thp.defrag mode (a "
                                "multiple of 2MiB)",
                                4 * 1024 * 1024}),
    bind<&Options::hugetlb>({"hugetlb", ParamKind::size, "bytes", "512MiB",
                             "2 MiB hugetlb pages to reserve at run time before and after "
                             "fragmenting (a multiple of 2MiB; 0: none)"}),
    bind<&Options::gigantic>({"gigantic", ParamKind::choice, "choice", "on",
                              "also reserve one 1 GiB hugetlb page where the CPU has them", 0, 0,
                              "on|off"}),
    bind<&Options::repair>({"repair", ParamKind::duration, "s", "10s",
                            "how long to watch background compaction rebuild 2 MiB blocks around "
                            "the pins",
                            0, 600}),
};

std::optional<std::string> unsupported(const facts::HostFacts& facts) {
  const auto enabled = facts.settings.text("thp.enabled");
  if (!enabled || !facts.settings.text("thp.defrag"))
    return "this kernel has no transparent huge pages";
  if (*enabled == "never") return "thp.enabled is never: no huge page faults to fragment against";
  if (::geteuid() != 0) return "needs root: pins pages, splits huge pages and sets thp.defrag";
  return std::nullopt;
}

std::optional<std::string> invalid(const Options& o) {
  if (o.fault_size % kHugePage != 0)
    return fmt::format("--fault-size: {} is not a multiple of 2MiB",
                       facts::format_size(o.fault_size));
  if (o.hugetlb % kHugePage != 0)
    return fmt::format("--hugetlb: {} is not a multiple of 2MiB", facts::format_size(o.hugetlb));
  return std::nullopt;
}

// Mapped at the peak: one batch being fragmented, the pinned pages, the region of one mode, and
// the hugetlb reservation while it is held.
uint64_t footprint(const Options& o) {
  return kBatch + o.span / 512 + o.fault_size + o.hugetlb + (o.gigantic ? kGiB : 0);
}

// ---- the model ----

// What compaction could at most turn into free 2 MiB blocks once the free ones are taken: the LRU
// pages (the movable ones), as far as the free pieces can take them in.
uint64_t compactable_blocks(const facts::HostFacts& facts) {
  const facts::MemInfo& m = facts.meminfo;
  const uint64_t lru =
      m.active_anon_bytes + m.inactive_anon_bytes + m.active_file_bytes + m.inactive_file_bytes;
  return std::min(lru, m.free_bytes) / kHugePage;
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  std::vector<Expectation> out;
  const model::FragmentationPrediction now = model::predict_fragmentation(facts);
  out.push_back({"", now.fragmentation_index, std::nullopt, std::nullopt, std::nullopt});
  const uint64_t faults = o.fault_size / kHugePage, compactable = compactable_blocks(facts);
  // Fragmenting takes the free 2 MiB blocks up to --span; each mode's huge pages are fragmented in
  // turn, so the modes, in the kernel's order, find fewer.
  const uint64_t free_now = uint64_t(now.free_blocks.value), span = o.span / kHugePage;
  uint64_t free_blocks = free_now > span ? free_now - span : 0;
  for (std::string_view mode : model::defrag_modes()) {
    const model::DefragBehaviour b = model::defrag_behaviour(mode, true);
    const model::HugeFaultRange r =
        model::expected_huge_faults(b, faults, free_blocks, compactable);
    out.push_back(
        {fmt::format("huge_faults.{}", mode), r.high, std::nullopt, r.low.value, r.high.value});
    const bool stalls = b.direct_compaction && free_blocks < faults;
    model::Prediction stalled{
        "stalled",
        stalls ? 1.0 : 0.0,
        "yes/no",
        {"a fault stalls in direct compaction when no free 2 MiB block is left and the mode allows "
         "direct compaction",
         "vma_thp_gfp_mask (mm/huge_memory.c), __alloc_pages_direct_compact (mm/page_alloc.c)",
         fmt::format("defrag = {} with MADV_HUGEPAGE ({}), {} free blocks for {} faults", mode,
                     b.gfp, free_blocks, faults)}};
    out.push_back(
        {fmt::format("stalled.{}", mode), stalled, std::nullopt, stalled.value, stalled.value});
    free_blocks -= std::min(free_blocks, faults);
  }
  if (o.hugetlb > 0) {
    const uint64_t pages = o.hugetlb / kHugePage;
    const model::HugeFaultRange before = model::expected_reservation(pages, free_now, compactable);
    out.push_back(
        {"hugetlb_2mib.before", before.high, std::nullopt, before.low.value, before.high.value});
    const model::HugeFaultRange after =
        model::expected_reservation(pages, free_blocks, compactable);
    out.push_back(
        {"hugetlb_2mib.fragmented", after.high, std::nullopt, after.low.value, after.high.value});
  }
  return out;
}

// ---- pinning, splitting, page flags ----

// Pages pinned as io_uring registered buffers (pin_user_pages with FOLL_LONGTERM), up to 16384 per
// ring. As root (CAP_IPC_LOCK) they are not charged to RLIMIT_MEMLOCK.
class Pins {
 public:
  Pins() = default;
  Pins(const Pins&) = delete;
  Pins& operator=(const Pins&) = delete;
  ~Pins() { release(); }

  void pin(std::span<char* const> pages) {
    for (size_t at = 0; at < pages.size(); at += kMaxPinsPerRing) {
      const size_t n = std::min<size_t>(kMaxPinsPerRing, pages.size() - at);
      std::vector<iovec> buffers(n);
      for (size_t i = 0; i < n; ++i) buffers[i] = {pages[at + i], kPage};
      auto ring = std::make_unique<io_uring>();
      if (int rc = io_uring_queue_init(1, ring.get(), 0); rc < 0)
        fail(ErrorKind::unsupported, "io_uring_queue_init: {}", std::strerror(-rc));
      if (int rc = io_uring_register_buffers(ring.get(), buffers.data(), unsigned(n)); rc < 0) {
        io_uring_queue_exit(ring.get());
        fail(ErrorKind::unsupported, "io_uring_register_buffers ({} pages): {}", n,
             std::strerror(-rc));
      }
      rings_.push_back(std::move(ring));
      count_ += n;
    }
  }
  void release() {
    for (auto& ring : rings_) {
      io_uring_unregister_buffers(ring.get());
      io_uring_queue_exit(ring.get());
    }
    rings_.clear();
    count_ = 0;
  }
  size_t count() const { return count_; }

 private:
  std::vector<std::unique_ptr<io_uring>> rings_;
  size_t count_ = 0;
};

// Whether the page at an address is part of a transparent huge page: its PFN from
// /proc/self/pagemap, then KPF_THP in /proc/kpageflags (both need root for PFNs).
class PageFlags {
 public:
  PageFlags()
      : pagemap_(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)),
        kpageflags_(::open("/proc/kpageflags", O_RDONLY | O_CLOEXEC)) {
    if (pagemap_ < 0 || kpageflags_ < 0)
      fail(ErrorKind::unsupported, "cannot open /proc/self/pagemap or /proc/kpageflags");
  }
  ~PageFlags() {
    ::close(pagemap_);
    ::close(kpageflags_);
  }
  PageFlags(const PageFlags&) = delete;
  PageFlags& operator=(const PageFlags&) = delete;

  bool huge(const char* address) const {
    uint64_t entry = 0, flags = 0;
    const off_t at = off_t(reinterpret_cast<uintptr_t>(address) / kPage * 8);
    if (::pread(pagemap_, &entry, 8, at) != 8 || !(entry >> 63)) return false;
    const uint64_t pfn = entry & ((1ull << 55) - 1);
    if (::pread(kpageflags_, &flags, 8, off_t(pfn * 8)) != 8) return false;
    return (flags >> 22) & 1;  // KPF_THP
  }

 private:
  int pagemap_, kpageflags_;
};

// Splits the huge pages of [start, start + length) of this process (debugfs split_huge_pages,
// 5.13+). False where the kernel refuses the write (lockdown forbids writing debugfs) or lacks the
// file.
bool split_by_debugfs(const std::filesystem::path& debugfs, const char* start, size_t length) {
  const std::filesystem::path file = debugfs / "split_huge_pages";
  const std::string request =
      fmt::format("{},{:#x},{:#x}", ::getpid(), reinterpret_cast<uintptr_t>(start),
                  reinterpret_cast<uintptr_t>(start + length));
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = ::write(fd, request.data(), request.size());
  ::close(fd);
  return n > 0;
}

// ---- the run ----

struct Run {
  Session& session;
  const Options& o;
  changes::Journal& journal;
  std::filesystem::path debugfs;
  std::string debugfs_rel;
  PageFlags flags;
  Pins pins;
  std::vector<Mapping> held;  // fragmented regions: one pinned page per former huge page
  bool debugfs_split = true;  // false: split by the deferred-split shrinker (vm.drop_caches=2)
  uint64_t unsplit = 0;       // huge pages that stayed whole after every pass, given back
  Series free_lists{"free_lists", {}, {}, {}};
};

uint64_t free_2mib_blocks(const std::vector<facts::BuddyZone>& buddyinfo) {
  uint64_t blocks = 0;
  for (const facts::BuddyZone& z : buddyinfo) {
    for (size_t o = model::kThpOrder; o < z.free_blocks.size(); ++o)
      blocks += z.free_blocks[o] << (o - model::kThpOrder);
  }
  return blocks;
}

void add_point(Series& series, const std::string& column, double value, const std::string& unit) {
  auto& values = series.columns[column];
  values.resize(series.t_s.size() - 1, 0.0);  // a column new at this point starts at 0
  values.push_back(value);
  series.units[column] = unit;
}

// One point of the free-list series: free blocks per order (all zones), free pages per migrate
// type and pageblocks per migrate type (pagetypeinfo). Returns the free 2 MiB blocks.
uint64_t sample_free_lists(Run& run) {
  const auto buddyinfo = probes::read_buddyinfo(run.session.fs());
  run.free_lists.t_s.push_back(run.session.elapsed_s());
  std::vector<uint64_t> per_order(11, 0);
  for (const facts::BuddyZone& z : buddyinfo) {
    for (size_t o = 0; o < z.free_blocks.size() && o < per_order.size(); ++o)
      per_order[o] += z.free_blocks[o];
  }
  for (size_t o = 0; o < per_order.size(); ++o)
    add_point(run.free_lists, fmt::format("order_{:02}", o), double(per_order[o]), "blocks");
  std::map<std::string, uint64_t> free_pages, pageblocks;
  if (auto types = probes::read_pagetypeinfo(run.session.fs())) {
    for (const facts::PageTypeZone& z : types->zones) {
      for (const auto& [type, counts] : z.free_blocks)
        for (size_t o = 0; o < counts.size(); ++o) free_pages[type] += counts[o] << o;
      for (const auto& [type, n] : z.pageblocks) pageblocks[type] += n;
    }
  }
  for (const auto& [type, pages] : free_pages)
    add_point(run.free_lists, "free_pages." + type, double(pages), "pages");
  for (const auto& [type, n] : pageblocks)
    add_point(run.free_lists, "pageblocks." + type, double(n), "pageblocks");
  const uint64_t blocks = free_2mib_blocks(buddyinfo);
  add_point(run.free_lists, "free_2mib_blocks", double(blocks), "blocks (2 MiB)");
  return blocks;
}

// The model's fragmentation index of every zone and order against the kernel's debugfs
// extfrag_index, on one read of buddyinfo that did not change while debugfs was read.
void compare_indexes(Run& run, const std::string& stage) {
  const probes::HostFs& fs = run.session.fs();
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto before = probes::read_buddyinfo(fs);
    const auto kernel = probes::read_extfrag_index(fs, run.debugfs_rel);
    if (probes::read_buddyinfo(fs) != before) continue;
    const auto model = model::zone_indexes(before);
    int compared = 0, differ = 0;
    for (const facts::ZoneOrderIndex& k : kernel) {
      for (const model::ZoneIndexes& m : model) {
        if (m.node != k.node || m.zone != k.zone) continue;
        for (size_t o = 0; o < k.milli.size() && o < m.fragmentation_milli.size(); ++o) {
          ++compared;
          differ += k.milli[o] != m.fragmentation_milli[o];
        }
        if (m.free_pages == 0 || k.milli.size() <= model::kThpOrder) continue;
        const std::map<std::string, std::string> labels = {{"zone", k.zone}, {"stage", stage}};
        run.session.measured(fmt::format("extfrag_index.{}.{}", stage, k.zone),
                             k.milli[model::kThpOrder] / 1000.0, "ratio",
                             "debugfs extfrag/extfrag_index, order 9", labels);
        run.session.derived(fmt::format("model_fragmentation_index.{}.{}", stage, k.zone),
                            m.fragmentation_milli[model::kThpOrder] / 1000.0, "ratio",
                            "fragmentation_index() of the same buddyinfo read, order 9", labels);
      }
    }
    run.session.measured("index_pairs." + stage, compared, "zone×order",
                         "debugfs extfrag_index values compared with the model's");
    run.session.derived("index_mismatches." + stage, differ, "zone×order",
                        "pairs where the model's index differs from the kernel's");
    return;
  }
  run.session.note("fragmentation index (" + stage +
                   "): buddyinfo changed during every one of 20 reads of debugfs; not compared");
}

// One hugetlb reservation of `pages` pages of page_bytes: written, read back, given back.
void reserve_hugetlb(Run& run, uint64_t page_bytes, uint64_t pages, const std::string& stage) {
  const probes::HostFs& fs = run.session.fs();
  const auto pool = probes::read_hugetlb_pool(fs, page_bytes);
  if (!pool || pages == 0) return;
  const std::string file = probes::hugetlb_pool_file(page_bytes);
  const std::string name =
      page_bytes == kHugePage ? "hugetlb_2mib." + stage : "hugetlb_1gib." + stage;
  const int64_t t0 = monotonic_ns();
  run.journal.set(file, std::to_string(pool->total + pages));
  const double seconds = double(monotonic_ns() - t0) / 1e9;
  const auto now = probes::read_hugetlb_pool(fs, page_bytes);
  const uint64_t got = now && now->total > pool->total ? now->total - pool->total : 0;
  run.journal.set(file, std::to_string(pool->total));
  const std::map<std::string, std::string> labels = {{"stage", stage}};
  run.session.measured(
      name, double(got), "pages",
      fmt::format("{} after writing {} (requested {})", file, pool->total + pages, pages), labels);
  run.session.measured(name + "_s", seconds, "s", "CLOCK_MONOTONIC around the write", labels);
}

void reserve_all(Run& run, const std::string& stage) {
  reserve_hugetlb(run, kHugePage, run.o.hugetlb / kHugePage, stage);
  // The 1 GiB pool exists only where the CPU maps 1 GiB pages (x86: pdpe1gb).
  if (run.o.gigantic) reserve_hugetlb(run, kGiB, 1, stage);
}

// Splits the partly given-back huge pages of a region: through debugfs where the kernel allows the
// write, else by the shrinker that splits them under memory pressure (deferred_split_scan), which
// a write of 2 to vm.drop_caches runs for every memory cgroup (it also drops the host's
// reclaimable slab: dentries and inodes).
void split(Run& run, Mapping& region) {
  if (run.debugfs_split && split_by_debugfs(run.debugfs, region.data(), region.size())) return;
  if (run.debugfs_split) {
    run.debugfs_split = false;
    run.session.note(
        "debugfs split_huge_pages refused the write (lockdown?): huge pages are split by the "
        "deferred-split shrinker instead, through vm.drop_caches=2, which also drops the host's "
        "dentry and inode caches");
  }
  run.journal.trigger("proc/sys/vm/drop_caches", "2");
}

// The huge pages of a region become fragmented blocks: all but the first page of each given back,
// the huge page split (so the 511 pages return to the free lists), that page kept (to be pinned).
// Ranges without a huge page are given back whole. Returns the kept pages.
std::vector<char*> fragment_region(Run& run, Mapping& region) {
  std::vector<char*> kept;
  for (size_t i = 0; i < region.size() / kHugePage; ++i) {
    char* range = region.data() + i * kHugePage;
    const bool huge = run.flags.huge(range);
    if (huge) kept.push_back(range);
    char* from = huge ? range + kPage : range;
    ::madvise(from, size_t(range + kHugePage - from), MADV_DONTNEED);
  }
  // The shrinker skips a huge page it cannot lock or whose references are in flux at that moment:
  // a few more passes, then such a page is given back whole and not counted.
  auto whole = [&] {
    return std::count_if(kept.begin(), kept.end(),
                         [&](char* page) { return run.flags.huge(page); });
  };
  for (int pass = 0; pass < 4 && !kept.empty() && (pass == 0 || whole() > 0); ++pass)
    split(run, region);
  std::erase_if(kept, [&](char* page) {
    if (!run.flags.huge(page)) return false;
    ::madvise(page, kPage, MADV_DONTNEED);
    ++run.unsplit;
    return true;
  });
  return kept;
}

void touch_ranges(char* base, size_t length) {
  for (size_t at = 0; at < length; at += kHugePage) base[at] = 1;
}

// Takes the free 2 MiB blocks batch by batch until --span or until most faults of a batch fall
// back (none left), fragments and pins them. Returns the blocks fragmented.
uint64_t fragment_free_memory(Run& run) {
  run.journal.set_knob("thp.defrag", "never");
  PhaseStart phase = run.session.begin_phase("fragment");
  std::vector<char*> kept;
  uint64_t taken = 0;
  while (taken < run.o.span && !run.session.stop_requested()) {
    const size_t length =
        std::min<uint64_t>(kBatch, (run.o.span - taken + kHugePage - 1) / kHugePage * kHugePage);
    Mapping batch = Mapping::anonymous(length, true, HugeAdvice::hugepage);
    touch_ranges(batch.data(), length);
    std::vector<char*> pages = fragment_region(run, batch);
    kept.insert(kept.end(), pages.begin(), pages.end());
    taken += pages.size() * kHugePage;
    run.held.push_back(std::move(batch));
    if (pages.size() * 2 < length / kHugePage) break;
  }
  run.pins.pin(kept);
  run.session.end_phase(phase);
  run.session.measured("fragmented_blocks", double(kept.size()), "blocks (2 MiB)",
                       "huge pages taken with defrag=never (KPF_THP), split, one page pinned");
  run.session.measured("pinned_pages", double(run.pins.count()), "pages",
                       "io_uring registered buffers of 4 KiB");
  run.session.measured("unsplit_huge_pages", double(run.unsplit), "pages",
                       "huge pages still whole (KPF_THP) after four split passes, given back");
  return kept.size();
}

std::vector<std::string> accepted_defrag_modes(const probes::HostFs& fs) {
  std::vector<std::string> modes;
  std::string word;
  for (char c : fs.read("sys/kernel/mm/transparent_hugepage/defrag").value_or("") + " ") {
    if (c == ' ' || c == '\n') {
      if (!word.empty()) modes.push_back(word);
      word.clear();
    } else if (c != '[' && c != ']') {
      word += c;
    }
  }
  return modes;
}

uint64_t psi_some_us(const probes::HostFs& fs) {
  auto psi = probes::read_psi(fs);
  return psi ? psi->some.total_us : 0;
}

void report_mode(Run& run, const std::string& mode, const Phase& done, uint64_t huge,
                 uint64_t ranges, uint64_t stall_us) {
  const std::map<std::string, std::string> labels = {{"defrag", mode}};
  run.session.measured("huge_faults." + mode, double(huge), "faults",
                       "2 MiB ranges of the region in a huge page (/proc/kpageflags KPF_THP)",
                       labels);
  run.session.derived("huge_success." + mode, double(huge) / double(ranges), "ratio",
                      "huge_faults / 2 MiB ranges", labels);
  for (const char* counter :
       {"thp_fault_alloc", "thp_fault_fallback", "compact_stall", "compact_fail", "compact_success",
        "pgmigrate_success", "compact_migrate_scanned", "compact_free_scanned",
        "compact_daemon_wake"}) {
    run.session.measured(
        fmt::format("{}.{}", counter, mode), double(done.vmstat_delta.get_or(counter, 0)), "events",
        fmt::format("/proc/vmstat {} delta over the phase (host-wide)", counter), labels);
  }
  run.session.measured("stalled." + mode, done.vmstat_delta.get_or("compact_stall", 0) > 0 ? 1 : 0,
                       "yes/no", "/proc/vmstat compact_stall delta > 0", labels);
  run.session.measured("memory_stall_ms." + mode, double(stall_us) / 1e3, "ms",
                       "/proc/pressure/memory some total delta (host-wide: direct compaction and "
                       "reclaim)",
                       labels);
  run.session.measured("system_s." + mode, done.rusage_delta.system_s, "s",
                       "getrusage ru_stime delta (the faulting thread's kernel time)", labels);
}

// One defrag mode: the region's 2 MiB ranges faulted one by one, each first write timed.
void measure_mode(Run& run, const std::string& mode) {
  run.journal.set_knob("thp.defrag", mode);
  Mapping region = Mapping::anonymous(run.o.fault_size, true, HugeAdvice::hugepage);
  const size_t ranges = region.size() / kHugePage;
  std::vector<double> first_write_ns;
  first_write_ns.reserve(ranges);
  const uint64_t psi0 = psi_some_us(run.session.fs());
  PhaseStart phase = run.session.begin_phase("defrag." + mode);
  for (size_t i = 0; i < ranges && !run.session.stop_requested(); ++i) {
    char* range = region.data() + i * kHugePage;
    const int64_t t0 = monotonic_ns();
    range[0] = 1;
    first_write_ns.push_back(double(monotonic_ns() - t0));
    for (size_t at = kPage; at < kHugePage; at += kPage) range[at] = 1;
  }
  const Phase done = run.session.end_phase(phase);
  const uint64_t stall_us = psi_some_us(run.session.fs()) - psi0;
  report_latencies(run.session, "fault_latency." + mode, first_write_ns,
                   "CLOCK_MONOTONIC around the first write of each 2 MiB range", false);
  std::vector<char*> kept = fragment_region(run, region);
  report_mode(run, mode, done, kept.size(), ranges, stall_us);
  run.pins.pin(kept);
  run.held.push_back(std::move(region));
  sample_free_lists(run);
}

// Background repair with the pins still held (as unmovable memory stays): the host's own
// proactiveness back, free 2 MiB blocks sampled every 500 ms (kcompactd's proactive check
// interval), and what kcompactd and khugepaged did meanwhile.
void watch_repair(Run& run, const std::optional<std::string>& proactiveness) {
  if (proactiveness) run.journal.set_knob("vm.compaction_proactiveness", *proactiveness);
  PhaseStart phase = run.session.begin_phase("repair");
  const uint64_t start = sample_free_lists(run);
  const int64_t end = monotonic_ns() + run.o.repair.count();
  uint64_t blocks = start;
  while (monotonic_ns() < end && !run.session.stop_requested()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    blocks = sample_free_lists(run);
  }
  const Phase done = run.session.end_phase(phase);
  run.session.measured(
      "free_2mib_blocks.repaired", double(blocks), "blocks (2 MiB)",
      fmt::format("/proc/buddyinfo after {:.0f} s of background compaction, the pins held",
                  done.end_s - done.start_s));
  for (const char* counter :
       {"compact_daemon_wake", "compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
        "pgmigrate_success", "thp_collapse_alloc"}) {
    run.session.measured(fmt::format("{}.repair", counter),
                         double(done.vmstat_delta.get_or(counter, 0)), "events",
                         fmt::format("/proc/vmstat {} delta over the repair window", counter));
  }
}

void measure_free(Run& run, const std::string& stage) {
  run.session.measured("free_2mib_blocks." + stage, double(sample_free_lists(run)),
                       "blocks (2 MiB)", "/proc/buddyinfo Σ zones, order ≥ 9 in 2 MiB blocks");
  compare_indexes(run, stage);
}

void run_steps(Run& run, const std::optional<std::string>& proactiveness) {
  measure_free(run, "before");
  reserve_all(run, "before");
  if (fragment_free_memory(run) == 0) {
    run.session.skip("no free 2 MiB block to fragment: free memory is fragmented already");
    return;
  }
  measure_free(run, "fragmented");
  for (const std::string& mode : accepted_defrag_modes(run.session.fs())) {
    if (run.session.stop_requested()) return;
    measure_mode(run, mode);
  }
  reserve_all(run, "fragmented");
  watch_repair(run, proactiveness);
  const int64_t t0 = monotonic_ns();
  run.journal.trigger("proc/sys/vm/compact_memory", "1");
  run.session.measured("compact_memory_s", double(monotonic_ns() - t0) / 1e9, "s",
                       "CLOCK_MONOTONIC around the write to vm.compact_memory");
  measure_free(run, "compacted");
  reserve_all(run, "compacted");
  run.pins.release();
  run.held.clear();
  measure_free(run, "released");
}

void run(Session& session, const Options& o) {
  changes::Journal* journal = session.journal();
  if (!journal)
    fail(ErrorKind::internal, "fragmentation: changing thp.defrag needs the run's journal");
  if (auto why = changes::debugfs_unsupported(session.fs())) return session.skip(*why);
  changes::DebugfsAccess debugfs(*journal);
  if (debugfs.mounted_for_run())
    session.note("debugfs was not mounted: mounted for the run at " + debugfs.dir().string() +
                 " and taken away after");
  Run state{session, o, *journal, debugfs.dir(), debugfs.rel_dir(), PageFlags{}, {}, {}, {}};
  std::optional<std::string> proactiveness;
  if (auto value = session.host().settings.text("vm.compaction_proactiveness"))
    proactiveness = std::string(*value);
  if (proactiveness) journal->set_knob("vm.compaction_proactiveness", "0");
  run_steps(state, proactiveness);
  session.trace(std::move(state.free_lists));
  state.pins.release();
}

}  // namespace

extern const Workload kFragmentation =
    define_workload<unsupported, invalid, footprint, predict, run>(
        "fragmentation",
        "Free memory fragmented by pinned pages: huge-page faults under each thp.defrag mode, "
        "hugetlb reservations, compaction",
        kParams);

}  // namespace mmtune::workloads
