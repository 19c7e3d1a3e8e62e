#pragma once
// What a reader takes from a report, whichever its format: the headings in order and every number
// in the text in order. The Markdown and the HTML report must agree on both; the HTML's plots
// (<svg>) and <head> are left out, as Markdown has neither.
#include <algorithm>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::test {

struct ReportText {
  std::vector<std::string> headings;
  std::vector<std::string> numbers;
};

inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

inline std::vector<std::string> numbers_in(const std::string& text) {
  std::vector<std::string> out;
  const std::regex number("\\d[\\d,]*(?:\\.\\d+)?");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number);
       it != std::sregex_iterator(); ++it) {
    out.push_back(it->str());
  }
  return out;
}

// Markup that carries no content: code spans, bold, table rules, escaped pipes.
inline std::string markdown_plain(std::string text) {
  text = replace_all(text, "\\|", "|");
  text = replace_all(text, "`", "");
  text = replace_all(text, "**", "");
  return text;
}

inline ReportText markdown_text(const std::string& markdown) {
  ReportText out;
  std::string body;
  size_t start = 0;
  while (start < markdown.size()) {
    size_t end = markdown.find('\n', start);
    if (end == std::string::npos) end = markdown.size();
    std::string line = markdown.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("#")) {
      line = line.substr(line.find_first_not_of('#'));
      out.headings.push_back(markdown_plain(line.substr(line.find_first_not_of(' '))));
    }
    body += markdown_plain(line) + "\n";
  }
  out.numbers = numbers_in(body);
  return out;
}

inline std::string html_unescape(std::string text) {
  text = replace_all(text, "&lt;", "<");
  text = replace_all(text, "&gt;", ">");
  text = replace_all(text, "&quot;", "\"");
  text = replace_all(text, "&#39;", "'");
  return replace_all(text, "&amp;", "&");
}

// Removes every element from open to close, inclusive (libstdc++'s regex recurses per character,
// too deep for a page of plots).
inline std::string without(std::string html, const std::string& open, const std::string& close) {
  for (size_t at = html.find(open); at != std::string::npos; at = html.find(open, at)) {
    size_t end = html.find(close, at);
    html.erase(at, end == std::string::npos ? std::string::npos : end + close.size() - at);
  }
  return html;
}

// Tags become spaces: cells and items are separate pieces of text, so are their numbers.
inline std::string strip_tags(const std::string& html) {
  std::string text;
  bool in_tag = false;
  for (char c : html) {
    if (c == '<') in_tag = true;
    if (!in_tag) text += c;
    if (c == '>') {
      in_tag = false;
      text += ' ';
    }
  }
  return html_unescape(text);
}

inline ReportText html_text(std::string html) {
  ReportText out;
  html = without(without(html, "<head>", "</head>"), "<svg", "</svg>");
  for (size_t at = html.find("<h"); at != std::string::npos; at = html.find("<h", at + 1)) {
    if (at + 2 >= html.size() || html[at + 2] < '1' || html[at + 2] > '6') continue;
    const size_t start = html.find('>', at) + 1;
    const size_t end = html.find("</h", start);
    std::string heading = strip_tags(html.substr(start, end - start));
    while (!heading.empty() && heading.back() == ' ') heading.pop_back();
    out.headings.push_back(heading);
  }
  out.numbers = numbers_in(strip_tags(html));
  return out;
}

// What svg_line_plot drew, read back: the pixel mapping inverted with data-area/data-domain.
struct Drawn {
  double left, top, width, height, x0, x1, y0, y1;
  std::map<std::string, std::vector<std::pair<double, double>>> series;  // label → (x, y) in units
  std::map<std::string, double> levels;
};

inline std::vector<double> svg_numbers(const std::string& text) {
  std::vector<double> out;
  std::istringstream in(text);
  for (double v; in >> v;) out.push_back(v);
  return out;
}

// The value of attribute name in the tag starting at the beginning of tag; "" when absent.
inline std::string svg_attribute(std::string_view tag, std::string_view name) {
  tag = tag.substr(0, tag.find('>'));
  const std::string key = " " + std::string(name) + "=\"";
  const size_t at = tag.find(key);
  if (at == std::string_view::npos) return "";
  const size_t start = at + key.size();
  return std::string(tag.substr(start, tag.find('"', start) - start));
}

// Reads back what svg_line_plot drew, inverting the pixel mapping with data-area/data-domain.
// (By hand: libstdc++'s regex recurses per character, too deep for a polyline of 1,500 points.)
inline Drawn read_svg(std::string_view svg) {
  Drawn d{};
  const std::vector<double> area = svg_numbers(svg_attribute(svg, "data-area"));
  const std::vector<double> domain = svg_numbers(svg_attribute(svg, "data-domain"));
  if (area.size() != 4 || domain.size() != 4) return d;
  d = {area[0], area[1], area[2], area[3], domain[0], domain[1], domain[2], domain[3], {}, {}};
  for (size_t at = svg.find("<polyline"); at != std::string_view::npos;
       at = svg.find("<polyline", at + 1)) {
    std::string points = svg_attribute(svg.substr(at), "points");
    std::replace(points.begin(), points.end(), ',', ' ');
    const std::vector<double> xy = svg_numbers(points);
    auto& out = d.series[html_unescape(svg_attribute(svg.substr(at), "data-series"))];
    for (size_t i = 0; i + 1 < xy.size(); i += 2) {
      out.emplace_back(d.x0 + (xy[i] - d.left) / d.width * (d.x1 - d.x0),
                       d.y0 + (d.top + d.height - xy[i + 1]) / d.height * (d.y1 - d.y0));
    }
  }
  for (size_t at = svg.find("<g class=\"threshold\""); at != std::string_view::npos;
       at = svg.find("<g class=\"threshold\"", at + 1)) {
    d.levels[html_unescape(svg_attribute(svg.substr(at), "data-label"))] =
        std::stod(svg_attribute(svg.substr(at), "data-value"));
  }
  return d;
}

}  // namespace mmtune::test
