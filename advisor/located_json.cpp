#include "advisor/located_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <vector>

#include "facts/error.hpp"

namespace mmtune::advisor {
namespace {

using nlohmann::json;

struct LineCounter {
  int newlines = 0;  // newlines handed to the lexer so far
  char last = '\0';  // the last character handed over
};

// An input iterator over the text that counts newlines as the lexer takes characters.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, LineCounter* counter) : at_(at), counter_(counter) {}
  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    counter_->last = *at_;
    if (*at_ == '\n') ++counter_->newlines;
    ++at_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }
  bool operator!=(const CountingIterator& other) const { return at_ != other.at_; }

 private:
  const char* at_;
  LineCounter* counter_;
};

std::string escape_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// Builds the DOM (as nlohmann's own DOM parser would) and the pointer → line map.
class LocatingSax : public nlohmann::json_sax<json> {
 public:
  LocatingSax(const LineCounter& counter, std::string_view label)
      : counter_(counter), label_(label) {}

  bool null() override { return scalar(nullptr, false); }
  bool boolean(bool value) override { return scalar(value, false); }
  bool number_integer(number_integer_t value) override { return scalar(value, true); }
  bool number_unsigned(number_unsigned_t value) override { return scalar(value, true); }
  bool number_float(number_float_t value, const string_t&) override { return scalar(value, true); }
  bool string(string_t& value) override { return scalar(value, false); }
  bool binary(binary_t& value) override { return scalar(json::binary(value), false); }

  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    Frame& top = stack_.back();
    const std::string pointer = top.pointer + "/" + escape_token(name);
    if (top.node->contains(name)) {
      error_ = fmt::format("{}:{}: {}: appears twice in the same object", label_, line(false),
                           field_name(pointer));
      return false;
    }
    pending_key_ = name;
    result_.lines[pointer] = line(false);
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 3, column 5: …";
    // keep what follows the position.
    // nlohmann's lexer knows the line of the offending token exactly (it undoes its look-ahead),
    // so take its line when the message has one.
    std::string what = e.what();
    int at_line = line(false);
    if (size_t pos = what.find("at line "); pos != std::string::npos)
      at_line = std::atoi(what.c_str() + pos + 8);
    if (size_t colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    error_ = fmt::format("{}:{}: {}", label_, at_line, what);
    return false;
  }

  LocatedJson take() { return std::move(result_); }
  const std::optional<std::string>& error() const { return error_; }

 private:
  struct Frame {
    json* node;
    std::string pointer;
  };

  int line(bool after_number) const {
    int newlines = counter_.newlines;
    if (after_number && counter_.last == '\n') --newlines;  // the look-ahead, not the number
    return newlines + 1;
  }

  // Puts value where it belongs; returns its node and pointer.
  std::pair<json*, std::string> place(json value, bool after_number) {
    if (stack_.empty()) {
      result_.value = std::move(value);
      result_.lines[""] = line(after_number);
      return {&result_.value, ""};
    }
    Frame& top = stack_.back();
    if (top.node->is_object()) {
      json& slot = (*top.node)[pending_key_];
      slot = std::move(value);
      return {&slot, top.pointer + "/" + escape_token(pending_key_)};
    }
    top.node->push_back(std::move(value));
    std::string pointer = fmt::format("{}/{}", top.pointer, top.node->size() - 1);
    result_.lines[pointer] = line(after_number);
    return {&top.node->back(), pointer};
  }

  template <typename T>
  bool scalar(T&& value, bool after_number) {
    place(json(std::forward<T>(value)), after_number);
    return true;
  }
  bool open(json container) {
    auto [node, pointer] = place(std::move(container), false);
    stack_.push_back({node, std::move(pointer)});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }

  const LineCounter& counter_;
  std::string label_;
  LocatedJson result_;
  std::vector<Frame> stack_;
  std::string pending_key_;
  std::optional<std::string> error_;
};

}  // namespace

int LocatedJson::line_of(std::string_view pointer) const {
  std::string at(pointer);
  for (;;) {
    if (auto it = lines.find(at); it != lines.end()) return it->second;
    if (at.empty()) return 1;
    at.erase(at.rfind('/'));
  }
}

LocatedJson parse_located(std::string_view text, std::string_view label) {
  LineCounter counter;
  LocatingSax sax(counter, label);
  CountingIterator first(text.data(), &counter), last(text.data() + text.size(), &counter);
  const bool ok = json::sax_parse(first, last, &sax);
  if (!ok || sax.error()) {
    fail(ErrorKind::bad_input, "{}",
         sax.error().value_or(fmt::format("{}: not valid JSON", label)));
  }
  return sax.take();
}

std::string field_name(std::string_view pointer) {
  std::string out;
  size_t at = 0;
  while (at < pointer.size()) {
    size_t next = pointer.find('/', at + 1);
    std::string_view token =
        pointer.substr(at + 1, next == std::string_view::npos ? next : next - at - 1);
    const bool index =
        !token.empty() &&
        std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isdigit(c); });
    if (index) {
      out += fmt::format("[{}]", token);
    } else {
      if (!out.empty()) out += '.';
      std::string decoded(token);
      for (size_t i = 0; (i = decoded.find('~', i)) != std::string::npos; ++i) {
        decoded.replace(i, 2, decoded.compare(i, 2, "~1") == 0 ? "/" : "~");
      }
      out += decoded;
    }
    if (next == std::string_view::npos) break;
    at = next;
  }
  return out.empty() ? "(document)" : out;
}

}  // namespace mmtune::advisor
