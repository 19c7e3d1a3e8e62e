#include "advisor/change_file.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "advisor/advice_json.hpp"
#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "probes/parsers.hpp"

namespace mmtune::advisor {
namespace {

using nlohmann::json;

constexpr std::string_view kTuneSchema = "mmtune.tune/1";

// Checks the knob name and value; origin prefixes the error.
void check_change(const RequestedChange& change) {
  auto knob = facts::find_knob(change.knob);
  if (!knob) {
    std::string guess = facts::suggest_knob(change.knob);
    if (guess.empty()) {
      fail(ErrorKind::bad_input,
           "{}: unknown knob \"{}\" (mmtune applies the memory-manager knobs `mmtune model` "
           "lists)",
           change.origin, change.knob);
    }
    fail(ErrorKind::bad_input, "{}: unknown knob \"{}\"; did you mean \"{}\"?", change.origin,
         change.knob, guess);
  }
  if (auto why = facts::invalid_knob_value(*knob, change.value))
    fail(ErrorKind::bad_input, "{}: {} = \"{}\" {}", change.origin, change.knob, change.value,
         *why);
}

void check_all(const std::vector<RequestedChange>& changes) {
  std::map<std::string, std::string, std::less<>> seen;
  for (const RequestedChange& change : changes) {
    check_change(change);
    auto [it, inserted] = seen.emplace(change.knob, change.origin);
    if (!inserted) {
      fail(ErrorKind::bad_input, "{}: {} is set twice (first at {})", change.origin, change.knob,
           it->second);
    }
  }
}

// The document's "schema", or "" when it has none or it is not a string.
std::string schema_of(const json& doc) {
  auto schema = doc.find("schema");
  return schema != doc.end() && schema->is_string() ? schema->get<std::string>() : "";
}

std::vector<RequestedChange> from_advice(const json& doc, std::string_view label) {
  const json* advice = &doc;
  if (schema_of(doc) == kTuneSchema) {
    auto inner = doc.find("advice");
    if (inner == doc.end() || !inner->is_object())
      fail(ErrorKind::bad_input, "{}: a {} document without \"advice\"", label, kTuneSchema);
    advice = &*inner;
  }
  if (schema_of(*advice) != kAdviceSchema) {
    fail(ErrorKind::bad_input, "{}: JSON, but not a {} or {} document (schema \"{}\")", label,
         kAdviceSchema, kTuneSchema, schema_of(*advice));
  }
  auto found = advice->find("recommendations");
  if (found == advice->end() || !found->is_array())
    fail(ErrorKind::bad_input, "{}: \"recommendations\" must be an array", label);
  const json& recommendations = *found;
  std::vector<RequestedChange> changes;
  for (size_t i = 0; i < recommendations.size(); ++i) {
    const json& r = recommendations[i];
    std::string origin = fmt::format("{}: recommendations[{}]", label, i);
    if (!r.is_object() || !r.contains("knob") || !r["knob"].is_string() ||
        !r.contains("recommended") || !r["recommended"].is_string() || !r.contains("action") ||
        !r["action"].is_string()) {
      fail(ErrorKind::bad_input, "{}: needs string fields knob, recommended and action", origin);
    }
    const std::string action = r["action"].get<std::string>();
    if (action == "keep") continue;
    if (action != "set")
      fail(ErrorKind::bad_input, "{}: action \"{}\" must be set or keep", origin, action);
    changes.push_back({r["knob"].get<std::string>(), r["recommended"].get<std::string>(),
                       origin + " (" + r["knob"].get<std::string>() + ")", false});
  }
  return changes;
}

std::vector<RequestedChange> from_sysctl(std::string_view text, std::string_view label) {
  std::vector<RequestedChange> changes;
  int number = 0;
  while (!text.empty()) {
    std::string_view line = text.substr(0, text.find('\n'));
    text.remove_prefix(std::min(text.size(), line.size() + 1));
    ++number;
    line = probes::trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    RequestedChange change;
    change.origin = fmt::format("{}:{}", label, number);
    if (line.front() == '-') {
      change.optional = true;
      line.remove_prefix(1);
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      fail(ErrorKind::bad_input, "{}: \"{}\" is not a name = value line", change.origin, line);
    change.knob = std::string(probes::trim(line.substr(0, eq)));
    change.value = std::string(probes::trim(line.substr(eq + 1)));
    for (char& c : change.knob) c = c == '/' ? '.' : c;
    if (change.knob.empty() || change.value.empty())
      fail(ErrorKind::bad_input, "{}: \"{}\" needs a name and a value", change.origin, line);
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace

std::vector<RequestedChange> parse_change_file(std::string_view text, std::string_view label) {
  std::string_view start = probes::trim(text);
  std::vector<RequestedChange> changes;
  if (start.starts_with("{")) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      fail(ErrorKind::bad_input, "{}: starts like JSON but does not parse as a JSON object", label);
    changes = from_advice(doc, label);
  } else {
    changes = from_sysctl(text, label);
  }
  check_all(changes);
  return changes;
}

std::vector<RequestedChange> read_change_file(const std::filesystem::path& path) {
  std::error_code ec;
  std::ifstream in(path);
  if (!std::filesystem::is_regular_file(path, ec) || !in)
    fail(ErrorKind::bad_input, "{}: cannot be read", path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_change_file(buffer.str(), path.string());
}

}  // namespace mmtune::advisor
