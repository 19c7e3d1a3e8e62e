// `mmtune list`: the workloads, their parameters (units, defaults) and, for the host read (the
// live one, or --root DIR), why a workload cannot run there.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "workloads/registry.hpp"

namespace mmtune::cli {
namespace {

// What the value looks like: SIZE, DURATION, a choice's words, or the count's unit (THREADS).
std::string placeholder(const workloads::Param& p) {
  using workloads::ParamKind;
  switch (p.kind) {
    case ParamKind::choice:
      return std::string(p.choices);
    case ParamKind::integer: {
      std::string unit(p.unit);
      for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return unit;
    }
    default: {
      std::string kind(workloads::kind_name(p.kind));
      for (char& c : kind) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return kind;
    }
  }
}

}  // namespace

Action attach_list(CLI::App& sub, const Globals& globals) {
  sub.footer("Run one with `mmtune run NAME --PARAM VALUE …`.");
  return [&globals](const Io& io) {
    std::optional<facts::HostFacts> facts;
    std::string facts_error;
    try {
      facts = probes::read_host_facts(globals.host_fs());
    } catch (const Error& e) {
      facts_error = e.what();
    }
    bool first = true;
    for (const workloads::Workload* w : workloads::all_workloads()) {
      fmt::print(io.out, "{}{}  {}\n", first ? "" : "\n", w->name, w->summary);
      first = false;
      for (const workloads::Param& p : w->params) {
        fmt::print(io.out, "  {:<28} default {:<18} {}\n",
                   fmt::format("--{} {}", p.name, placeholder(p)), p.default_value, p.help);
      }
      if (facts) {
        if (auto why = w->unsupported(*facts)) fmt::print(io.out, "  cannot run here: {}\n", *why);
      }
    }
    if (!facts)
      fmt::print(io.err, "mmtune: note: host facts unreadable ({}); not checked\n", facts_error);
    return 0;
  };
}

}  // namespace mmtune::cli
