// `mmtune report` on a real run of this host: the plots hold the observed series and the model's
// thresholds, Markdown and HTML carry the same sections and numbers; bad input exits 2;
// `mmtune tune` writes the HTML report beside its Markdown; and a run longer than a few seconds
// shows its progress on a terminal and nothing of it in a pipe.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "facts/facts_json.hpp"
#include "model/host_model.hpp"
#include "tests/report/report_text.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The <svg> element of the plot with this title (its aria-label), or "".
std::string plot_svg(const std::string& html, const std::string& title) {
  const size_t label = html.find("aria-label=\"" + title + "\"");
  if (label == std::string::npos) return "";
  const size_t start = html.rfind("<svg", label);
  return html.substr(start, html.find("</svg>", label) + 6 - start);
}

// One small real run, shared by the tests below (a run takes a second or two).
class ReportOfARealRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    state_ = new TempDir();
    run_ = run_mmtune({"run", "demand-paging", "--size", "64MiB", "--interval", "20ms",
                       "--state-dir", state_->path().string(), "--json", json_path().string()});
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete state_;
  }
  void SetUp() override { ASSERT_EQ(run_.exit_code, 0) << run_.err; }
  static fs::path json_path() { return dir_->path() / "run.json"; }

  static TempDir* dir_;
  static TempDir* state_;
  static CliResult run_;
};
TempDir* ReportOfARealRun::dir_ = nullptr;
TempDir* ReportOfARealRun::state_ = nullptr;
CliResult ReportOfARealRun::run_;

TEST_F(ReportOfARealRun, PlotsHoldTheObservedSeriesAndThePredictedWatermarks) {
  const fs::path html_path = dir_->path() / "report.html";
  CliResult r = run_mmtune({"report", json_path().string(), "-o", html_path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = slurp(html_path);
  const json result = json::parse(slurp(json_path()));

  const std::string svg = plot_svg(html, "Free memory against the watermarks");
  ASSERT_FALSE(svg.empty()) << "no free-memory plot";
  const Drawn drawn = read_svg(svg);
  const std::string label = "free pages of all zones, observed (/proc/zoneinfo)";
  ASSERT_EQ(drawn.series.count(label), 1u) << svg.substr(0, 2000);
  const auto& points = drawn.series.at(label);
  const json& host = result["series"]["host"];
  const json& t = host["t_s"];
  const json& free = host["columns"]["zone_free"]["values"];
  ASSERT_EQ(points.size(), free.size()) << "one point per sample";
  ASSERT_GE(points.size(), 5u);
  const double pixel_x = (drawn.x1 - drawn.x0) / drawn.width;
  const double pixel_y = (drawn.y1 - drawn.y0) / drawn.height;
  for (size_t i = 0; i < points.size(); ++i) {
    EXPECT_NEAR(points[i].first, t[i].get<double>(), 0.06 * pixel_x) << i;
    EXPECT_NEAR(points[i].second, free[i].get<double>() * 4096, 0.06 * pixel_y) << i;
  }

  // The dashed lines are the model's watermarks for the host as the run recorded it.
  const model::HostModel m = model::model_host(facts::host_facts_from_json(result["host"]));
  double min = 0, low = 0, high = 0;
  for (const model::ReclaimBands& b : m.bands) {
    min += double(b.direct_reclaim_below_bytes);
    low += double(b.kswapd_wakes_below_bytes);
    high += double(b.kswapd_sleeps_at_bytes);
  }
  ASSERT_EQ(drawn.levels.size(), 3u) << svg.substr(0, 2000);
  EXPECT_DOUBLE_EQ(drawn.levels.at("predicted min watermark"), min);
  EXPECT_DOUBLE_EQ(drawn.levels.at("predicted low watermark"), low);
  EXPECT_DOUBLE_EQ(drawn.levels.at("predicted high watermark"), high);

  // The workload's own process: its fault rate is drawn from its cumulative minor faults.
  const std::string faults = plot_svg(html, "Page-fault rates");
  ASSERT_FALSE(faults.empty());
  const Drawn rates = read_svg(faults);
  const auto& minflt = rates.series.at("minor faults, workload process");
  const json& counts = host["columns"]["proc_minflt"]["values"];
  ASSERT_EQ(minflt.size(), counts.size() - 1) << "a rate between consecutive samples";
  const double rate_pixel = (rates.y1 - rates.y0) / rates.height;
  for (size_t i = 1; i < counts.size(); ++i) {
    const double rate = (counts[i].get<double>() - counts[i - 1].get<double>()) /
                        (t[i].get<double>() - t[i - 1].get<double>());
    EXPECT_NEAR(minflt[i - 1].second, rate, 0.06 * rate_pixel) << i;
  }

  EXPECT_NE(html.find("<h2>Run: demand-paging</h2>"), std::string::npos);
  EXPECT_NE(html.find("predicted by the model"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "no script";
  EXPECT_EQ(html.find("http://"), std::string::npos) << "nothing to fetch";
  EXPECT_EQ(html.find("https://"), std::string::npos) << "nothing to fetch";
}

TEST_F(ReportOfARealRun, MarkdownCarriesTheSameSectionsAndNumbersAsTheHtml) {
  CliResult html = run_mmtune({"report", json_path().string()});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_TRUE(html.out.starts_with("<!DOCTYPE html>")) << "HTML to stdout by default";
  const fs::path md_path = dir_->path() / "report.md";
  CliResult md = run_mmtune({"report", json_path().string(), "-o", md_path.string()});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  const std::string markdown = slurp(md_path);
  EXPECT_TRUE(markdown.starts_with("# mmtune report: run of demand-paging")) << "from -o's .md";

  const ReportText from_md = markdown_text(markdown), from_html = html_text(html.out);
  EXPECT_EQ(from_md.headings, from_html.headings);
  EXPECT_EQ(from_md.numbers, from_html.numbers);
  EXPECT_GT(from_md.numbers.size(), 50u);
  for (const char* heading : {"Host", "Run: demand-paging", "Free memory against the watermarks"})
    EXPECT_NE(std::find(from_md.headings.begin(), from_md.headings.end(), heading),
              from_md.headings.end())
        << heading;
  RecordProperty("headings", int(from_md.headings.size()));
  RecordProperty("numbers", int(from_md.numbers.size()));
}

TEST(Report, BadInputIsOneLineNamingItAndExitTwo) {
  TempDir dir;
  const fs::path missing = dir.path() / "missing.json";
  CliResult r = run_mmtune({"report", missing.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.json: cannot read"), std::string::npos) << r.err;

  const fs::path bad = dir.path() / "bad.json";
  std::ofstream(bad) << R"({"schema": "mmtune.nothing/1"})";
  r = run_mmtune({"report", bad.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.json: schema \"mmtune.nothing/1\""), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  const fs::path host = test_data("golden/numa2-5.15/host.json");
  r = run_mmtune({"report", host.string(), "--format", "pdf"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_mmtune({"report", host.string(), "-o", (dir.path() / "no/such/dir.html").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

TEST(Report, HostFactsAndAdviceRenderToo) {
  CliResult host = run_mmtune({"report", test_data("golden/numa2-5.15/host.json").string()});
  ASSERT_EQ(host.exit_code, 0) << host.err;
  EXPECT_NE(host.out.find("2 NUMA nodes"), std::string::npos);
  EXPECT_NE(host.out.find("hard dirty threshold"), std::string::npos);
  CliResult advice = run_mmtune(
      {"report", "--format", "md", test_data("golden/numa2-5.15/advise-database.json").string()});
  ASSERT_EQ(advice.exit_code, 0) << advice.err;
  EXPECT_NE(advice.out.find("### thp.enabled — always → never"), std::string::npos);
}

TEST(Tune, WritesTheHtmlReportBesideTheMarkdown) {
  if (!is_root()) GTEST_SKIP() << "tune runs its steps in memory cgroups: needs root";
  TempDir dir;
  CliResult r = run_mmtune({"tune", "-o", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path html = dir.path() / "mmtune-tune-general.html";
  ASSERT_TRUE(fs::exists(html)) << r.err;
  EXPECT_NE(r.err.find("mmtune-tune-general.html"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no progress drawn into a pipe";
  const std::string page = slurp(html);
  EXPECT_NE(page.find("<h1>mmtune report: tune for profile general</h1>"), std::string::npos);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("<h2>Advice</h2>"), std::string::npos);
  // The same as rendering the saved data afterwards.
  CliResult again = run_mmtune({"report", (dir.path() / "mmtune-tune-general.json").string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, page);
}

// Runs mmtune with its stderr on a new pseudo-terminal (stdout to /dev/null) and returns
// everything the terminal received, and the exit code.
std::pair<std::string, int> run_on_a_terminal(const std::vector<std::string>& args) {
  int master = -1, slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return {"", -1};
  const std::string binary = mmtune_binary().string();
  std::vector<char*> argv{const_cast<char*>(binary.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(slave, 2);
    ::close(master);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(slave);
  std::string screen;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n > 0) {
      screen.append(buffer, size_t(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO once the child and its descendants closed the terminal
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {screen, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
}

// false-sharing runs each of its two layouts for --duration: 2 × 1.5 s, past Progress::kShowAfter
// (2 s) with a second to spare for the half-second redraw.
const std::vector<std::string> kLongRun = {"run", "false-sharing", "--duration", "1500ms"};

TEST(Progress, ALongRunShowsTheWorkloadAndElapsedTimeOnATerminal) {
  TempDir state;
  std::vector<std::string> args = kLongRun;
  args.insert(args.end(), {"--state-dir", state.path().string()});
  const auto [screen, exit_code] = run_on_a_terminal(args);
  if (exit_code == -1) GTEST_SKIP() << "no pseudo-terminal here";
  ASSERT_EQ(exit_code, 0) << screen;
  // The status line: drawn in place (carriage return, erase line), naming the workload and its
  // time limit, then the elapsed seconds.
  const size_t status = screen.find("\r\033[Kmmtune: false-sharing (time limit 300 s)  2.");
  EXPECT_NE(status, std::string::npos) << screen;
  EXPECT_NE(screen.find(" s", status), std::string::npos) << screen;
  EXPECT_TRUE(screen.ends_with("\r\033[K")) << "the line is cleared when the run ends: " << screen;
}

TEST(Progress, NothingOfItWhenStderrIsNotATerminal) {
  TempDir state;
  std::vector<std::string> args = kLongRun;
  args.insert(args.end(), {"--state-dir", state.path().string()});
  const CliResult r = run_mmtune(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\033["), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("(time limit 300 s)  "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mmtune: false-sharing"), std::string::npos)
      << "the runner's own lines still go to stderr: " << r.err;
}

}  // namespace
}  // namespace mmtune::test
