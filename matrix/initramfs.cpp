#include "matrix/initramfs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "facts/error.hpp"
#include "matrix/cpio.hpp"
#include "matrix/guest.hpp"
#include "matrix/modules.hpp"
#include "matrix/process.hpp"

namespace mmtune::matrix {
namespace fs = std::filesystem;
namespace {

std::string archive_path(const fs::path& host_path) {
  std::string text = host_path.lexically_normal().string();
  while (text.starts_with('/')) text.erase(0, 1);
  return text;
}

// The closure of a binary: its libraries at the paths ldd names (content of the real file,
// symlinks followed), so the guest's loader finds them where the host's did.
void add_with_libraries(CpioWriter& cpio, const fs::path& binary, std::string_view archive_name,
                        std::set<std::string>& library_dirs) {
  cpio.add_host_file(archive_name, binary, 0755);
  std::optional<fs::path> ldd = find_program("ldd");
  if (!ldd)
    fail(ErrorKind::unsupported, "ldd not found: cannot copy the shared libraries of {}",
         binary.string());
  CommandResult listed = run_command({ldd->string(), binary.string()});
  // A static binary: ldd says "not a dynamic executable" and exits 1.
  for (const std::string& library : parse_ldd(listed.out)) {
    std::string name = archive_path(library);
    if (!cpio.contains(name)) cpio.add_host_file(name, library, 0755);
    library_dirs.insert("/" + archive_path(fs::path(library).parent_path()));
  }
}

std::string module_bytes(const fs::path& file) {
  std::string name = file.filename().string();
  const char* tool = name.ends_with(".xz")    ? "xz"
                     : name.ends_with(".zst") ? "zstd"
                     : name.ends_with(".gz")  ? "gzip"
                                              : nullptr;
  if (!tool) return read_text(file);
  if (!find_program(tool))
    fail(ErrorKind::unsupported, "{} not found: needed to unpack {}", tool, name);
  CommandResult unpacked =
      run_command({tool, "-dc", file.string()}, std::chrono::minutes(2), {}, 256u << 20);
  if (unpacked.exit_code != 0)
    fail(ErrorKind::internal, "{} -dc {}: {}", tool, file.string(), last_line(unpacked));
  return unpacked.out;
}

// `depmod -n` needs ROOT/lib/modules/KVER; a local modules directory elsewhere gets a temporary
// root with a symlink, so nothing is written into the user's tree.
std::string depmod_output(const Kernel& kernel) {
  std::optional<fs::path> depmod = find_program("depmod");
  if (!depmod)
    fail(ErrorKind::unsupported,
         "depmod not found (package kmod): needed for the kernel's module order");
  fs::path root = kernel.modules_dir.parent_path().parent_path().parent_path();
  std::string release = kernel.modules_dir.filename().string();
  fs::path temporary_root;
  if (kernel.modules_dir.parent_path().filename() != "modules" ||
      kernel.modules_dir.parent_path().parent_path().filename() != "lib") {
    temporary_root = fs::temp_directory_path() / fmt::format("mmtune-depmod-{}", ::getpid());
    fs::create_directories(temporary_root / "lib/modules");
    fs::create_symlink(fs::absolute(kernel.modules_dir), temporary_root / "lib/modules" / release);
    root = temporary_root;
  }
  CommandResult result = run_command({depmod->string(), "-n", "-b", root.string(), release},
                                     std::chrono::minutes(2), {}, 64u << 20);
  if (!temporary_root.empty()) fs::remove_all(temporary_root);
  if (result.exit_code != 0)
    fail(ErrorKind::unsupported, "depmod -n -b {} {}: {}", root.string(), release,
         last_line(result));
  return result.out;
}

}  // namespace

std::vector<std::string> parse_ldd(std::string_view output) {
  std::vector<std::string> libraries;
  for (std::string_view line : trimmed_lines(output)) {
    if (size_t arrow = line.find("=> "); arrow != std::string_view::npos)
      line = line.substr(arrow + 3);
    if (!line.starts_with('/'))
      continue;  // linux-vdso.so.1, "not found", "not a dynamic executable"
    libraries.emplace_back(line.substr(0, line.find(" (")));
  }
  return libraries;
}

GuestImage build_initramfs(const Kernel& kernel, const ImageInputs& inputs, const fs::path& out) {
  GuestImage image;
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  if (!file) fail(ErrorKind::internal, "cannot write {}", out.string());
  CpioWriter cpio(file);
  for (const char* dir :
       {"proc", "sys", "dev", "tmp", "scratch", "root", "bin", "usr/bin", "usr/sbin"})
    cpio.add_directory(dir);
  // The kernel opens /dev/console for init's stdio before devtmpfs is mounted.
  cpio.add_char_device("dev/console", 5, 1);

  std::set<std::string> library_dirs;
  std::optional<fs::path> busybox = find_program("busybox");
  if (!busybox) fail(ErrorKind::unsupported, "busybox not found (package busybox-static)");
  add_with_libraries(cpio, *busybox, "bin/busybox", library_dirs);
  cpio.add_symlink("bin/sh", "busybox");
  // Debug info is most of a RelWithDebInfo binary (35 of 37 MB): the guest kernel unpacks every
  // byte of the archive under emulation, so the copy loses it.
  fs::path guest_binary = inputs.mmtune_binary;
  if (std::optional<fs::path> strip = find_program("strip")) {
    fs::path stripped = out.parent_path() / "mmtune.stripped";
    if (run_command({strip->string(), "--strip-debug", "-o", stripped.string(),
                     inputs.mmtune_binary.string()})
            .exit_code == 0) {
      guest_binary = stripped;
    }
  }
  add_with_libraries(cpio, guest_binary, kGuestBinary, library_dirs);
  if (std::optional<fs::path> mkfs = find_program("mkfs.ext4"))
    add_with_libraries(cpio, *mkfs, "usr/sbin/mkfs.ext4", library_dirs);

  InitPlan plan;
  if (!kernel.modules_dir.empty()) {
    ModuleIndex index = parse_module_index(depmod_output(kernel),
                                           read_text(kernel.modules_dir / "modules.builtin"));
    std::vector<std::string> wanted = kGuestModules;
    wanted.insert(wanted.end(), kOptionalGuestModules.begin(), kOptionalGuestModules.end());
    ModulePlan modules = plan_module_loads(index, wanted);
    std::erase_if(modules.missing, [](const std::string& name) {
      return std::find(kOptionalGuestModules.begin(), kOptionalGuestModules.end(), name) !=
             kOptionalGuestModules.end();
    });
    if (!modules.missing.empty()) {
      fail(ErrorKind::unsupported, "{} has neither built in nor as a module: {}", kernel.release,
           fmt::join(modules.missing, ", "));
    }
    int n = 0;
    for (const std::string& relative : modules.load_paths) {
      std::string name = module_name(relative);
      std::string archive = fmt::format("modules/{:02}-{}.ko", ++n, name);
      cpio.add_file(archive, module_bytes(kernel.modules_dir / relative), 0644);
      plan.insmod_paths.push_back(archive);
      image.modules_loaded.push_back(name);
    }
    image.modules_builtin = modules.builtin;
  }
  plan.library_dirs.assign(library_dirs.begin(), library_dirs.end());
  plan.command.push_back(std::string(kGuestBinary));
  plan.command.insert(plan.command.end(), inputs.command.begin(), inputs.command.end());
  plan.command_timeout_s = inputs.command_timeout_s;
  plan.stop_after_s = inputs.stop_after_s;
  plan.stop_signal = inputs.stop_signal;
  cpio.add_file("init", render_init_script(plan), 0755);
  cpio.finish();
  file.close();
  image.bytes = fs::file_size(out);
  return image;
}

}  // namespace mmtune::matrix
