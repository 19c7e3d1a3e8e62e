#pragma once
// Which kernels the matrix boots and where their files come from.
//
// `debian:NAME` is resolved through Debian's meta-packages, because the ABI number in the real
// package name (linux-image-6.1.0-56-cloud-amd64) changes with every security update and old
// ones leave the mirror: `debian:6.12-cloud` asks linux-image-6.12-cloud-amd64 which package it
// depends on today; `debian:6.1-cloud` has no such versioned meta-package, so the flavour's
// linux-image-cloud-amd64 is asked and its answer must be a 6.1 kernel. The package is fetched
// with `apt-get download` and unpacked with `dpkg -x` into a cache directory; it is never
// installed on the host. A local `PATH/TO/vmlinuz[:MODULES-DIR]` works too.
//
// A kernel that cannot be had (no apt, no network, a name the archive does not know) gives a
// KernelOutcome with a problem, which the matrix reports and skips: never a crash.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::matrix {

struct KernelRequest {
  std::string text;                   // as the user wrote it: "debian:6.1-cloud"
  std::string debian_name;            // "6.1-cloud"; empty for a local kernel
  std::filesystem::path vmlinuz;      // local kernel image
  std::filesystem::path modules_dir;  // local lib/modules/KVER; empty when not given
  bool is_debian() const { return !debian_name.empty(); }
};

// Throws Error{bad_input} naming --kernel when the text is malformed or a local file is missing.
KernelRequest parse_kernel_request(std::string_view text);

// What to ask apt for a debian:NAME. exact_package is set when NAME is a full package name.
struct DebianQuery {
  std::vector<std::string> meta_packages;  // tried in order
  std::string version;                     // "6.1": the resolved package must be linux-image-6.1.*
  std::string flavour;                     // "cloud"; empty = the standard flavour
  std::string exact_package;
};
DebianQuery debian_query(std::string_view name);

// The first "Depends: linux-image-<digit>…" of `apt-cache depends` output.
std::optional<std::string> parse_apt_depends(std::string_view apt_cache_output);
// Whether a concrete image package (linux-image-6.1.0-56-cloud-amd64) is what the query asks for.
bool package_fits(std::string_view package, const DebianQuery& query);

// The release string ("6.1.0-56-cloud-amd64 …" → first word) of an x86 bzImage, from its setup
// header; nullopt when the file is not a bzImage.
std::optional<std::string> read_bzimage_release(const std::filesystem::path& vmlinuz);

struct Kernel {
  std::string label;                     // the request text
  std::string release;                   // "6.1.0-56-cloud-amd64"
  std::string package, package_version;  // Debian kernels only
  std::filesystem::path vmlinuz;
  std::filesystem::path modules_dir;  // lib/modules/<release>; empty = no modules (all built in)
};

struct KernelOutcome {
  std::optional<Kernel> kernel;
  std::string problem;  // why it cannot be had, when kernel is empty
};

// MMTUNE_KERNEL_CACHE, else /var/cache/mmtune/kernels for root, else ~/.cache/mmtune/kernels.
std::filesystem::path default_cache_dir();

// Resolves, downloads and unpacks as needed; progress lines go to `progress`. Throws only for
// Ctrl-C (Error{interrupted}).
KernelOutcome obtain_kernel(const KernelRequest& request, const std::filesystem::path& cache_dir,
                            std::FILE* progress);

}  // namespace mmtune::matrix
