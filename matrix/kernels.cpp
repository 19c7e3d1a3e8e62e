#include "matrix/kernels.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "facts/error.hpp"
#include "matrix/process.hpp"
#include "probes/parsers.hpp"

namespace mmtune::matrix {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kCompleteStamp = ".mmtune-complete";

// The component of a package name just before "-amd64": "cloud", or "56"/"6.12.117+deb12" for the
// standard flavour.
std::string flavour_token(std::string_view package) {
  if (!package.ends_with("-amd64")) return {};
  package.remove_suffix(6);
  size_t dash = package.find_last_of('-');
  return std::string(dash == std::string_view::npos ? package : package.substr(dash + 1));
}

// An exclusive lock on the cache, so two mmtune processes never unpack into each other.
class CacheLock {
 public:
  explicit CacheLock(const fs::path& dir) {
    fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0)
      fail(ErrorKind::internal, "cannot lock {}", (dir / ".lock").string());
  }
  ~CacheLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_ = -1;
};

// Finds the image and the modules of an unpacked kernel package. Debian 12 puts them in
// boot/vmlinuz-KVER and lib/modules/KVER; sid's split packages use usr/lib/modules/KVER/vmlinuz.
std::optional<Kernel> locate_unpacked(const fs::path& tree) {
  Kernel kernel;
  for (const char* modules : {"lib/modules", "usr/lib/modules"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(tree / modules, ec)) {
      if (!entry.is_directory()) continue;
      kernel.release = entry.path().filename().string();
      kernel.modules_dir = entry.path();
      if (fs::exists(entry.path() / "vmlinuz")) kernel.vmlinuz = entry.path() / "vmlinuz";
    }
  }
  if (kernel.vmlinuz.empty()) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(tree / "boot", ec)) {
      std::string name = entry.path().filename().string();
      if (name.starts_with("vmlinuz-")) {
        kernel.vmlinuz = entry.path();
        if (kernel.release.empty()) kernel.release = name.substr(8);
      }
    }
  }
  if (kernel.vmlinuz.empty() || kernel.release.empty()) return std::nullopt;
  return kernel;
}

std::optional<std::string> resolve_package(const DebianQuery& query, std::string* problem) {
  if (!query.exact_package.empty()) return query.exact_package;
  std::vector<std::string> answers;
  for (const std::string& meta : query.meta_packages) {
    CommandResult result = run_command({"apt-cache", "depends", meta}, std::chrono::seconds(60));
    if (result.exit_code != 0) continue;
    std::optional<std::string> package = parse_apt_depends(result.out);
    if (!package) continue;
    if (package_fits(*package, query)) return package;
    answers.push_back(fmt::format("{} → {}", meta, *package));
  }
  *problem = answers.empty()
                 ? fmt::format(
                       "no {} in the apt lists (is this a Debian host with current lists? try "
                       "apt-get update)",
                       fmt::join(query.meta_packages, " or "))
                 : fmt::format("{} is not a {} kernel", fmt::join(answers, ", "), query.version);
  return std::nullopt;
}

// The newest already-unpacked package that fits, for working offline.
std::optional<std::string> cached_fit(const fs::path& cache_dir, const DebianQuery& query) {
  std::optional<std::string> best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cache_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!fs::exists(entry.path() / kCompleteStamp)) continue;
    bool fits =
        query.exact_package.empty() ? package_fits(name, query) : name == query.exact_package;
    if (fits && (!best || name > *best)) best = name;
  }
  return best;
}

KernelOutcome from_cache(const KernelRequest& request, const fs::path& tree,
                         const std::string& package) {
  std::optional<Kernel> kernel = locate_unpacked(tree);
  if (!kernel) return {std::nullopt, fmt::format("the unpacked {} has no vmlinuz", package)};
  kernel->label = request.text;
  kernel->package = package;
  kernel->package_version = std::string(probes::trim(read_text(tree / kCompleteStamp)));
  return {kernel, {}};
}

KernelOutcome download(const KernelRequest& request, const fs::path& cache_dir,
                       const std::string& package, std::FILE* progress) {
  fs::path partial = cache_dir / fmt::format(".partial-{}", ::getpid());
  fs::remove_all(partial);
  fs::create_directories(partial);
  struct RemoveOnExit {
    fs::path path;
    ~RemoveOnExit() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{partial};

  fmt::print(progress, "matrix: {}: downloading {} (apt-get download; not installed)\n",
             request.text, package);
  std::vector<std::string> argv{"apt-get", "download", "-q"};
  // As root apt drops to the _apt user, which cannot write into our cache directory.
  if (::geteuid() == 0) argv.push_back("-oAPT::Sandbox::User=root");
  argv.push_back(package);
  CommandResult fetched = run_command(argv, std::chrono::minutes(10), partial);
  if (fetched.exit_code != 0) {
    return {std::nullopt,
            fmt::format("apt-get download {} failed: {}", package, last_line(fetched))};
  }
  fs::path deb;
  for (const auto& entry : fs::directory_iterator(partial)) {
    if (entry.path().extension() == ".deb") deb = entry.path();
  }
  if (deb.empty()) return {std::nullopt, fmt::format("apt-get download {} gave no .deb", package)};
  CommandResult version = run_command({"dpkg-deb", "-f", deb.string(), "Version"});
  CommandResult unpacked = run_command({"dpkg", "-x", deb.string(), (partial / "tree").string()});
  if (unpacked.exit_code != 0) {
    return {std::nullopt,
            fmt::format("dpkg -x {} failed: {}", deb.filename().string(), last_line(unpacked))};
  }
  std::ofstream(partial / "tree" / kCompleteStamp) << probes::trim(version.out) << "\n";
  fs::path tree = cache_dir / package;
  fs::remove_all(tree);
  fs::rename(partial / "tree", tree);
  fmt::print(progress, "matrix: {}: unpacked {} {} into {}\n", request.text, package,
             probes::trim(version.out), tree.string());
  return from_cache(request, tree, package);
}

KernelOutcome obtain_debian(const KernelRequest& request, const fs::path& cache_dir,
                            std::FILE* progress) {
  DebianQuery query = debian_query(request.debian_name);
  std::error_code ec;
  fs::create_directories(cache_dir, ec);
  if (ec)
    return {std::nullopt,
            fmt::format("cannot create the cache {}: {}", cache_dir.string(), ec.message())};
  CacheLock lock(cache_dir);

  std::string problem;
  std::optional<std::string> package;
  if (find_program("apt-cache") && find_program("apt-get") && find_program("dpkg")) {
    package = resolve_package(query, &problem);
  } else {
    problem =
        "apt-cache, apt-get or dpkg not found: debian: kernels need a Debian host (or pass "
        "PATH/TO/vmlinuz)";
  }
  if (!package) {
    // Offline, or the lists no longer know it: a copy unpacked earlier still serves.
    if (std::optional<std::string> cached = cached_fit(cache_dir, query)) {
      fmt::print(progress, "matrix: {}: {}; using the cached {}\n", request.text, problem, *cached);
      return from_cache(request, cache_dir / *cached, *cached);
    }
    return {std::nullopt, problem};
  }
  fs::path tree = cache_dir / *package;
  if (fs::exists(tree / kCompleteStamp)) return from_cache(request, tree, *package);
  KernelOutcome outcome = download(request, cache_dir, *package, progress);
  if (!outcome.kernel && ::geteuid() == 0 && query.exact_package.empty()) {
    // Stale lists name an ABI that has left the mirror: refresh them once and resolve again.
    fmt::print(progress, "matrix: {}: refreshing the apt lists (apt-get update) and retrying\n",
               request.text);
    run_command({"apt-get", "update", "-qq"}, std::chrono::minutes(5));
    package = resolve_package(query, &problem);
    if (!package) return {std::nullopt, problem};
    tree = cache_dir / *package;
    if (fs::exists(tree / kCompleteStamp)) return from_cache(request, tree, *package);
    outcome = download(request, cache_dir, *package, progress);
  }
  return outcome;
}

KernelOutcome obtain_local(const KernelRequest& request) {
  Kernel kernel;
  kernel.label = request.text;
  kernel.vmlinuz = request.vmlinuz;
  std::optional<std::string> release = read_bzimage_release(request.vmlinuz);
  if (!request.modules_dir.empty()) {
    kernel.modules_dir = request.modules_dir;
    kernel.release = request.modules_dir.filename().string();
  } else if (release && fs::is_directory(fs::path("/lib/modules") / *release)) {
    kernel.modules_dir = fs::path("/lib/modules") / *release;
  }
  if (kernel.release.empty()) kernel.release = release.value_or("unknown");
  if (!release) return {std::nullopt, std::string("not an x86 bzImage kernel")};
  return {kernel, {}};
}

}  // namespace

KernelRequest parse_kernel_request(std::string_view text) {
  KernelRequest request;
  request.text = std::string(text);
  if (text.starts_with("debian:")) {
    request.debian_name = std::string(text.substr(7));
    debian_query(request.debian_name);  // validates
    return request;
  }
  if (text.empty())
    fail(ErrorKind::bad_input, "--kernel: empty; use debian:NAME or PATH/TO/vmlinuz[:MODULES-DIR]");
  std::string_view image = text, modules;
  if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    image = text.substr(0, colon);
    modules = text.substr(colon + 1);
  }
  request.vmlinuz = fs::path(image);
  std::error_code ec;  // a name the kernel refuses (too long, say) is a file that is not there
  if (!fs::is_regular_file(request.vmlinuz, ec)) {
    fail(ErrorKind::bad_input,
         "--kernel: \"{}\" is neither debian:NAME nor an existing kernel image", text);
  }
  if (!modules.empty()) {
    request.modules_dir = fs::path(modules);
    while (request.modules_dir.has_relative_path() && request.modules_dir.filename().empty()) {
      request.modules_dir = request.modules_dir.parent_path();  // "…/KVER/" → "…/KVER"
    }
    if (!fs::is_directory(request.modules_dir, ec)) {
      fail(ErrorKind::bad_input, "--kernel: modules directory \"{}\" does not exist", modules);
    }
  }
  return request;
}

DebianQuery debian_query(std::string_view name) {
  DebianQuery query;
  static const std::regex kPackage("linux-image-[a-z0-9.+~-]+");
  static const std::regex kShort("([0-9]+(?:\\.[0-9]+)*)?-?([a-z][a-z0-9]*)?");
  std::string text(name);
  if (text.starts_with("linux-image-")) {
    if (!std::regex_match(text, kPackage))
      fail(ErrorKind::bad_input, "--kernel: \"debian:{}\" is not a package name", text);
    query.exact_package = text;
    return query;
  }
  std::smatch match;
  if (text.empty() || !std::regex_match(text, match, kShort) || text.starts_with('-') ||
      text.ends_with('-')) {
    fail(ErrorKind::bad_input,
         "--kernel: \"debian:{}\" must be debian:VERSION[-FLAVOUR] (debian:6.1-cloud, debian:6.12) "
         "or "
         "debian:linux-image-…",
         text);
  }
  query.version = match[1].str();
  query.flavour = match[2].str();
  if (query.flavour == "amd64") query.flavour.clear();
  std::string suffix = query.flavour.empty() ? "amd64" : query.flavour + "-amd64";
  if (!query.version.empty())
    query.meta_packages.push_back(fmt::format("linux-image-{}-{}", query.version, suffix));
  query.meta_packages.push_back(fmt::format("linux-image-{}", suffix));
  return query;
}

std::optional<std::string> parse_apt_depends(std::string_view output) {
  for (std::string_view line : trimmed_lines(output)) {
    if (line.starts_with('|')) line.remove_prefix(1);  // an alternative: "|Depends: …"
    if (!line.starts_with("Depends:")) continue;
    std::string_view package = probes::trim(line.substr(8));
    if (package.starts_with("linux-image-") && package.size() > 12 && std::isdigit(package[12])) {
      return std::string(package);
    }
  }
  return std::nullopt;
}

bool package_fits(std::string_view package, const DebianQuery& query) {
  if (!package.starts_with("linux-image-") || !package.ends_with("-amd64")) return false;
  std::string_view rest = package.substr(12);
  if (!query.version.empty()) {
    if (!rest.starts_with(query.version)) return false;
    char next = rest.size() > query.version.size() ? rest[query.version.size()] : '\0';
    if (next != '.' && next != '-' && next != '+') return false;
  } else if (rest.empty() || !std::isdigit(rest[0])) {
    return false;
  }
  std::string token = flavour_token(package);
  if (query.flavour.empty()) return !token.empty() && std::isdigit(token[0]);
  return token == query.flavour;
}

std::optional<std::string> read_bzimage_release(const fs::path& vmlinuz) {
  std::ifstream in(vmlinuz, std::ios::binary);
  std::string head(0x10000, '\0');
  in.read(head.data(), std::streamsize(head.size()));
  head.resize(size_t(in.gcount()));
  if (head.size() < 0x210 || head.compare(0x202, 4, "HdrS") != 0) return std::nullopt;
  size_t pointer = uint8_t(head[0x20E]) | (uint16_t(uint8_t(head[0x20F])) << 8);
  size_t at = 0x200 + pointer;
  if (pointer == 0 || at >= head.size()) return std::nullopt;
  size_t end = head.find_first_of(" \0", at, 2);
  if (end == std::string::npos || end == at) return std::nullopt;
  return head.substr(at, end - at);
}

fs::path default_cache_dir() {
  if (const char* env = std::getenv("MMTUNE_KERNEL_CACHE"); env && *env) return env;
  if (::geteuid() == 0) return "/var/cache/mmtune/kernels";
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return fs::path(xdg) / "mmtune/kernels";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".cache/mmtune/kernels";
  return "/tmp/mmtune-kernels";
}

KernelOutcome obtain_kernel(const KernelRequest& request, const fs::path& cache_dir,
                            std::FILE* progress) {
  if (!request.is_debian()) return obtain_local(request);
  try {
    return obtain_debian(request, cache_dir, progress);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::interrupted) throw;
    return {std::nullopt, std::string(e.what())};
  } catch (const fs::filesystem_error& e) {
    return {std::nullopt, std::string(e.what())};
  }
}

}  // namespace mmtune::matrix
