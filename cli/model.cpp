// `mmtune model`: this host's (or --root's) thresholds as the model computes them, in MiB and in
// plain words, beside the kernel's own numbers; with --set KNOB=VALUE, the same next to what the
// settings would give. Nothing on the host changes: the what-if is computed, never written.
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/host_model.hpp"
#include "model/json.hpp"
#include "model/what_if.hpp"
#include "probes/free_lists.hpp"
#include "probes/readers.hpp"

namespace mmtune::cli {
namespace {

constexpr int kSchemaVersion = 1;

struct ModelOptions {
  std::vector<std::string> sets;
  bool json = false;
};

std::string mib(uint64_t bytes) {
  return fmt::format("{:.1f}", double(bytes) / double(model::kMiB));
}
std::string mib_pages(uint64_t pages) { return mib(pages * model::kPageSize); }

struct Row {
  std::string label, now, kernel, what_if;
};

const facts::Zone* find_zone(const facts::HostFacts& facts, const model::ZoneWatermarks& z) {
  for (const facts::Zone& zone : facts.zones) {
    if (zone.node == z.node && zone.name == z.zone) return &zone;
  }
  return nullptr;
}

// Short forms for the table; the plain-words lines use model::to_string.
std::string_view short_name(model::ThpOutcome outcome) {
  switch (outcome) {
    case model::ThpOutcome::huge:
      return "huge";
    case model::ThpOutcome::huge_may_stall:
      return "huge, may stall";
    case model::ThpOutcome::fallback_when_short:
      return "huge, then 4 KiB";
    case model::ThpOutcome::small_pages:
      return "4 KiB";
  }
  return "?";
}

std::string age(const model::DirtyLimits& d) {
  return d.age_unbounded ? "unbounded" : fmt::format("{:.0f} s", d.worst_age_seconds.value);
}

// The kernel's own fragmentation index (debugfs extfrag/extfrag_index) where debugfs is mounted, or
// recorded under sys/kernel/debug; empty otherwise (this command mounts nothing).
std::vector<facts::ZoneOrderIndex> kernel_extfrag(const probes::HostFs& fs) {
  auto mount = probes::debugfs_mount_point(fs.read("proc/self/mountinfo").value_or(""));
  return probes::read_extfrag_index(fs, mount ? mount->substr(1) : "sys/kernel/debug");
}

std::string index_text(int milli) { return fmt::format("{:.3f}", milli / 1000.0); }

// The fragmentation rows: the deciding zone's index at the huge-page order, and whether the kernel
// would compact for it (which vm.extfrag_threshold decides).
void fragmentation_rows(std::vector<Row>& out, const model::HostModel& now,
                        const model::HostModel* what_if,
                        const std::vector<facts::ZoneOrderIndex>& kernel) {
  const model::FragmentationPrediction& f = now.fragmentation;
  if (f.zone.empty()) return;
  std::string read = "-";
  for (const facts::ZoneOrderIndex& z : kernel) {
    if (z.node == f.node && z.zone == f.zone && f.order < z.milli.size())
      read = index_text(z.milli[f.order]);
  }
  const int milli = static_cast<int>(std::lround(f.fragmentation_index.value * 1000));
  out.push_back({fmt::format("fragmentation index, order {} ({})", f.order, f.zone),
                 index_text(milli), read, what_if ? index_text(milli) : ""});
  out.push_back({fmt::format("compaction at order {}", f.order),
                 std::string(model::to_string(f.verdict)), "-",
                 what_if ? std::string(model::to_string(what_if->fragmentation.verdict)) : ""});
}

std::vector<Row> rows(const facts::HostFacts& facts, const model::HostModel& now,
                      const model::HostModel* what_if,
                      const std::vector<facts::ZoneOrderIndex>& kernel_index) {
  std::vector<Row> out;
  const bool many_nodes = facts.numa.size() > 1;
  for (size_t i = 0; i < now.zones.size(); ++i) {
    const model::ZoneWatermarks& z = now.zones[i];
    const facts::Zone* read = find_zone(facts, z);
    const model::ZoneWatermarks* w =
        what_if && i < what_if->zones.size() ? &what_if->zones[i] : nullptr;
    std::string name = many_nodes ? fmt::format("node {} {}", z.node, z.zone) : z.zone;
    auto row = [&](std::string_view mark, uint64_t model_pages, uint64_t read_pages,
                   uint64_t what_if_pages) {
      out.push_back({fmt::format("zone {} {} (MiB)", name, mark),
                     mib_pages(model_pages + z.boost_pages), read ? mib_pages(read_pages) : "-",
                     w ? mib_pages(what_if_pages + w->boost_pages) : ""});
    };
    row("min", z.min_pages, read ? read->min_pages : 0, w ? w->min_pages : 0);
    row("low", z.low_pages, read ? read->low_pages : 0, w ? w->low_pages : 0);
    row("high", z.high_pages, read ? read->high_pages : 0, w ? w->high_pages : 0);
  }
  auto setting = [&](std::string_view knob) {
    std::string_view current = now.settings.text(knob).value_or("-");
    out.push_back({std::string(knob), std::string(current), std::string(current),
                   what_if ? std::string(what_if->settings.text(knob).value_or("-")) : ""});
  };
  setting("vm.min_free_kbytes");
  setting("vm.watermark_scale_factor");
  const auto& a = now.agreement;
  auto kernel_pages = [](const std::optional<uint64_t>& pages) {
    return pages ? mib_pages(*pages) : "-";
  };
  const model::DirtyLimits& d = now.dirty;
  const model::DirtyLimits* wd = what_if ? &what_if->dirty : nullptr;
  out.push_back({"dirtyable memory (MiB)", mib_pages(d.dirtyable_pages), "-",
                 wd ? mib_pages(wd->dirtyable_pages) : ""});
  out.push_back({"background writeback from (MiB)", mib_pages(d.background_pages),
                 a ? kernel_pages(a->kernel_background_pages) : "-",
                 wd ? mib_pages(wd->background_pages) : ""});
  out.push_back({"writers throttled from (MiB)", mib_pages(d.freerun_pages), "-",
                 wd ? mib_pages(wd->freerun_pages) : ""});
  out.push_back({"throttled writers settle near (MiB)", mib_pages(d.setpoint_pages), "-",
                 wd ? mib_pages(wd->setpoint_pages) : ""});
  out.push_back({"hard dirty limit (MiB)", mib_pages(d.threshold_pages),
                 a ? kernel_pages(a->kernel_threshold_pages) : "-",
                 wd ? mib_pages(wd->threshold_pages) : ""});
  out.push_back({"worst-case dirty age", age(d), "-", wd ? age(*wd) : ""});
  out.push_back({"reclaim anon share", fmt::format("{:.3f}", now.reclaim.anon_share.value), "-",
                 what_if ? fmt::format("{:.3f}", what_if->reclaim.anon_share.value) : ""});
  out.push_back({"THP, plain memory", std::string(short_name(now.thp_plain.outcome)), "-",
                 what_if ? std::string(short_name(what_if->thp_plain.outcome)) : ""});
  out.push_back({"THP, MADV_HUGEPAGE", std::string(short_name(now.thp_madvised.outcome)), "-",
                 what_if ? std::string(short_name(what_if->thp_madvised.outcome)) : ""});
  fragmentation_rows(out, now, what_if, kernel_index);
  return out;
}

void print_text(const Io& io, const facts::HostFacts& facts, const model::HostModel& now,
                const model::HostModel* what_if, const model::WhatIf* changes,
                const std::vector<facts::ZoneOrderIndex>& kernel_index) {
  fmt::print(
      io.out,
      "kernel {}, {} of memory; model numbers are computed from one read of /proc and /sys\n\n",
      facts.kernel.release.empty() ? "unknown" : facts.kernel.release,
      facts::format_bytes(facts.meminfo.total_bytes));
  std::vector<Row> table = rows(facts, now, what_if, kernel_index);
  size_t width = 0, column = 12;
  for (const Row& r : table) {
    width = std::max(width, r.label.size());
    column = std::max({column, r.now.size() + 2, r.kernel.size() + 2, r.what_if.size() + 2});
  }
  if (what_if) {
    fmt::print(io.out, "{:<{}}  {:>{}}  {:>{}}\n", "", width, "now (model)", column,
               "what-if (model)", column);
  } else {
    fmt::print(io.out, "{:<{}}  {:>{}}  {:>{}}\n", "", width, "model", column, "kernel says",
               column);
  }
  for (const Row& r : table) {
    fmt::print(io.out, "{:<{}}  {:>{}}  {:>{}}\n", r.label, width, r.now, column,
               what_if ? r.what_if : r.kernel, column);
  }
  if (!what_if && now.agreement) {
    const model::KernelAgreement& a = *now.agreement;
    std::string dirty = "";
    if (a.kernel_threshold_pages && *a.kernel_threshold_pages > 0) {
      dirty = fmt::format(
          "; hard dirty limit {:+.2f} % from nr_dirty_threshold",
          100.0 * (double(now.dirty.threshold_pages) - double(*a.kernel_threshold_pages)) /
              double(*a.kernel_threshold_pages));
    }
    fmt::print(io.out, "\nmodel vs kernel: watermarks of {} of {} zones equal /proc/zoneinfo{}\n",
               a.zones_matching, a.zones_compared, dirty);
  }
  if (changes) {
    fmt::print(io.out, "\nwhat-if (nothing was changed on the host):\n");
    for (const std::string& effect : changes->side_effects) fmt::print(io.out, "  {}\n", effect);
    if (changes->side_effects.empty())
      fmt::print(io.out, "  no side effects beyond the values set\n");
  }
  const model::HostModel& words = what_if ? *what_if : now;
  fmt::print(io.out, "\nin plain words{}:\n", what_if ? " (what-if)" : "");
  for (const std::string& line : words.summary) fmt::print(io.out, "  {}\n", line);
}

int run_model(const ModelOptions& options, const Globals& globals, const Io& io) {
  // Every --set is checked before the host is read: bad input changes nothing and exits 2.
  std::vector<model::KnobChange> changes;
  for (const std::string& text : options.sets) {
    try {
      changes.push_back(model::parse_knob_change(text));
    } catch (const Error& e) {
      fail(e.kind(), "--set {}", e.what());
    }
  }
  facts::HostFacts facts = probes::read_host_facts(globals.host_fs());
  if (facts.zones.empty()) {
    fail(ErrorKind::unsupported, "{}: no zones in /proc/zoneinfo, nothing to model",
         globals.host_fs().path("proc/zoneinfo").string());
  }
  model::HostModel now = model::model_host(facts);
  std::optional<model::WhatIf> what_if;
  std::optional<model::HostModel> proposed;
  if (!changes.empty()) {
    try {
      what_if = model::apply_knob_changes(facts.settings, facts.zones, facts.kernel, changes);
    } catch (const Error& e) {
      fail(e.kind(), "--set {}", e.what());
    }
    proposed = model::model_host(facts, what_if->settings);
  }

  if (options.json) {
    nlohmann::json out = {{"schema", kSchemaVersion},
                          {"kernel", facts.kernel.release},
                          {"current", model::to_json(now)}};
    if (what_if) {
      nlohmann::json list = nlohmann::json::array();
      for (const model::KnobChange& change : changes)
        list.push_back({{"knob", change.knob}, {"value", change.value}});
      out["changes"] = list;
      out["side_effects"] = what_if->side_effects;
      out["what_if"] = model::to_json(*proposed);
    }
    fmt::print(io.out, "{}\n", out.dump(2));
    return 0;
  }
  print_text(io, facts, now, proposed ? &*proposed : nullptr, what_if ? &*what_if : nullptr,
             kernel_extfrag(globals.host_fs()));
  return 0;
}

}  // namespace

Action attach_model(CLI::App& sub, const Globals& globals) {
  auto options = std::make_shared<ModelOptions>();
  sub.add_option(
         "--set", options->sets,
         "What-if: compute with KNOB=VALUE (repeatable), e.g. vm.dirty_ratio=5; nothing is written")
      ->type_name("KNOB=VALUE");
  sub.add_flag("--json", options->json, "JSON output");
  sub.footer(
      "Watermarks follow __setup_per_zone_wmarks from the managed pages in /proc/zoneinfo; dirty "
      "limits\n"
      "follow domain_dirty_limits from MemFree, the file LRU and the reserves. The kernel column "
      "shows\n"
      "what /proc/zoneinfo and /proc/vmstat report in the same snapshot.");
  return [options, &globals](const Io& io) { return run_model(*options, globals, io); };
}

}  // namespace mmtune::cli
