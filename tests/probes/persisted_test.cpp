// What the host sets at boot: sysctl.d's precedence, tuned's include chain and its re-apply of the
// sysctl files, the kernel command line; and the memory cgroup walk. Unit tests on files written
// into a temporary root, snapshot tests on the recorded hosts.
#include "probes/persisted.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "probes/cgroup_tree.hpp"
#include "probes/readers.hpp"
#include "tests/support/recorded_hosts.hpp"

namespace mmtune::probes {
namespace {

void put(const std::filesystem::path& root, const std::string& rel, const std::string& text) {
  std::filesystem::create_directories((root / rel).parent_path());
  std::ofstream(root / rel) << text;
}

std::string boot(const facts::Persistence& p, std::string_view knob) {
  const facts::PersistedSetting* a = boot_value(p, knob);
  return a ? a->value + " @" + a->file + ":" + std::to_string(a->line) + " " + a->stage : "-";
}

TEST(PersistedParse, SysctlConfSyntax) {
  const auto lines = parse_sysctl_conf(
      "# comment\n; also a comment\n\nvm.swappiness = 10\n-vm/dirty_ratio=5\n  kernel.pid_max=1 \n"
      "not a setting\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].key, "vm.swappiness");
  EXPECT_EQ(lines[0].value, "10");
  EXPECT_EQ(lines[0].line, 4);
  EXPECT_EQ(lines[1].key, "vm.dirty_ratio");  // '-' dropped, '/' is '.'
  EXPECT_EQ(lines[1].value, "5");
  EXPECT_EQ(lines[2].key, "kernel.pid_max");
  EXPECT_EQ(knob_of_sysctl("vm/swappiness"), "vm.swappiness");
  EXPECT_FALSE(knob_of_sysctl("kernel.pid_max"));  // not a knob mmtune knows
  EXPECT_FALSE(knob_of_sysctl("thp.enabled"));     // not a sysctl
}

TEST(PersistedParse, IniSectionsKeepLinesInOrder) {
  const auto sections =
      parse_ini("[main]\ninclude=a, b\n\n[sysctl]\nvm.swappiness=1\n# x\nvm.dirty_ratio = 5\n");
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].name, "main");
  EXPECT_EQ(sections[1].lines.size(), 2u);
  EXPECT_EQ(sections[1].lines[1].key, "vm.dirty_ratio");
  EXPECT_EQ(sections[1].lines[1].line, 7);
}

TEST(Persisted, SysctlDirectoriesByNameEtcHidesUsrLib) {
  test::TempDir dir;
  put(dir.path(), "usr/lib/sysctl.d/50-a.conf", "vm.swappiness = 30\n");
  put(dir.path(), "etc/sysctl.d/50-a.conf", "vm.swappiness = 20\n");  // hides the /usr/lib one
  put(dir.path(), "usr/lib/sysctl.d/60-b.conf", "vm.dirty_ratio = 15\n");
  put(dir.path(), "run/sysctl.d/10-c.conf", "vm.dirty_ratio = 5\nvm.swappiness = 1\n");
  put(dir.path(), "etc/sysctl.d/README", "vm.swappiness = 99\n");  // not *.conf
  const facts::Persistence p = read_persisted(HostFs(dir.path()), std::nullopt);
  // 10-c, then 50-a (/etc), then 60-b: the later name wins.
  EXPECT_EQ(boot(p, "vm.swappiness"), "20 @/etc/sysctl.d/50-a.conf:1 systemd-sysctl");
  EXPECT_EQ(boot(p, "vm.dirty_ratio"), "15 @/usr/lib/sysctl.d/60-b.conf:1 systemd-sysctl");
  EXPECT_EQ(std::count(p.files.begin(), p.files.end(), "/usr/lib/sysctl.d/50-a.conf"), 0);
  EXPECT_TRUE(p.tuned_profiles.empty());
}

TEST(Persisted, TunedIncludesThenReappliesTheSysctlFiles) {
  test::TempDir dir;
  put(dir.path(), "usr/lib/tuned/base/tuned.conf",
      "[main]\nsummary=b\n[sysctl]\nvm.swappiness=10\nvm.dirty_ratio=40\n[vm]\ntransparent_"
      "hugepages=always\n");
  put(dir.path(), "etc/tuned/site/tuned.conf",
      "[main]\ninclude=base\n[sysctl]\nvm.dirty_ratio=30\n[sysfs]\n"
      "/sys/kernel/mm/transparent_hugepage/defrag=never\n");
  put(dir.path(), "etc/tuned/active_profile", "site\n");
  put(dir.path(), "etc/systemd/system/multi-user.target.wants/tuned.service", "[Unit]\n");
  put(dir.path(), "etc/sysctl.d/99-local.conf", "vm.swappiness = 1\n");
  const facts::Persistence p = read_persisted(HostFs(dir.path()), std::nullopt);
  EXPECT_EQ(p.tuned_chain, (std::vector<std::string>{"base", "site"}));
  EXPECT_TRUE(p.tuned_enabled);
  // The profile's own value over its include's; the /etc sysctl file re-applied after tuned.
  EXPECT_EQ(boot(p, "vm.dirty_ratio"), "30 @/etc/tuned/site/tuned.conf:4 tuned");
  EXPECT_EQ(boot(p, "vm.swappiness"), "1 @/etc/sysctl.d/99-local.conf:1 tuned-reapply");
  EXPECT_EQ(boot(p, "thp.enabled"), "always @/usr/lib/tuned/base/tuned.conf:7 tuned");
  EXPECT_EQ(boot(p, "thp.defrag"), "never @/etc/tuned/site/tuned.conf:6 tuned");

  // reapply_sysctl = 0: tuned's own value stays.
  put(dir.path(), "etc/tuned/tuned-main.conf", "reapply_sysctl = 0\n");
  EXPECT_EQ(boot(read_persisted(HostFs(dir.path()), std::nullopt), "vm.swappiness"),
            "10 @/usr/lib/tuned/base/tuned.conf:4 tuned");
  // transparent_hugepage= on the command line: tuned leaves THP alone, the command line decides.
  const facts::Persistence cmd =
      read_persisted(HostFs(dir.path()), "ro quiet transparent_hugepage=madvise");
  EXPECT_EQ(boot(cmd, "thp.enabled"), "madvise @/proc/cmdline:0 cmdline");
  // tuned's service not enabled: its profile applies nothing at boot.
  std::filesystem::remove(dir.path() / "etc/systemd/system/multi-user.target.wants/tuned.service");
  const facts::Persistence off = read_persisted(HostFs(dir.path()), std::nullopt);
  EXPECT_FALSE(off.tuned_enabled);
  EXPECT_EQ(boot(off, "vm.dirty_ratio"), "-");
  EXPECT_EQ(boot(off, "vm.swappiness"), "1 @/etc/sysctl.d/99-local.conf:1 systemd-sysctl");
}

TEST(Persisted, ThpUnitAndCommandLineSysctls) {
  test::TempDir dir;
  put(dir.path(), "etc/systemd/system/disable-thp.service",
      "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo never > "
      "/sys/kernel/mm/transparent_hugepage/enabled'\n");
  const facts::Persistence p =
      read_persisted(HostFs(dir.path()), "root=/dev/sda1 sysctl.vm.swappiness=5 -- init args x=1");
  EXPECT_EQ(boot(p, "thp.enabled"),
            "never @/etc/systemd/system/disable-thp.service:3 systemd-unit");
  EXPECT_EQ(boot(p, "vm.swappiness"), "5 @/proc/cmdline:0 cmdline");
}

TEST(PersistedSnapshot, DriftHostSysctlFileWinsOverTunedAtBoot) {
  const facts::HostFacts f = read_host_facts(HostFs(test::test_data("hosts/rhel9-drift-5.14")));
  const facts::Persistence& p = f.persisted;
  EXPECT_EQ(p.tuned_profiles, (std::vector<std::string>{"app-server"}));
  EXPECT_EQ(p.tuned_chain, (std::vector<std::string>{"throughput-performance", "app-server"}));
  EXPECT_EQ(boot(p, "vm.swappiness"), "1 @/etc/sysctl.d/99-app.conf:2 tuned-reapply");
  EXPECT_EQ(boot(p, "thp.enabled"), "never @/etc/tuned/app-server/tuned.conf:6 tuned");
  EXPECT_EQ(f.settings.text("vm.swappiness"), "10");  // the file came after the last boot
  // The ThunderX instance ([vm.thunderx], type=vm) is not the [vm] plugin of this host.
  EXPECT_EQ(std::count_if(p.assignments.begin(), p.assignments.end(),
                          [](const auto& a) {
                            return a.file.find("throughput") != std::string::npos &&
                                   a.knob == "thp.enabled";
                          }),
            0);
}

TEST(PersistedSnapshot, OldKernelHostFactsTheRulesRead) {
  const facts::HostFacts f = read_host_facts(HostFs(test::test_data("hosts/centos7-3.10")));
  EXPECT_EQ(f.kernel.major, 3);
  EXPECT_FALSE(f.settings.text("vm.watermark_scale_factor"));
  EXPECT_EQ(f.choices.at("thp.defrag"), (std::vector<std::string>{"always", "madvise", "never"}));
  ASSERT_TRUE(f.uptime_s);
  EXPECT_NEAR(*f.uptime_s, 62 * 86400 + 1811.47, 0.01);
  EXPECT_EQ(f.vmstat.get("allocstall"), 182411u);  // one counter before 4.8
  EXPECT_EQ(boot(f.persisted, "thp.enabled"),
            "always @/usr/lib/tuned/throughput-performance/tuned.conf:26 tuned");
  EXPECT_EQ(boot(f.persisted, "vm.swappiness"),
            "30 @/usr/lib/tuned/virtual-guest/tuned.conf:13 tuned");
}

TEST(CgroupTreeSnapshot, KubernetesNodeListsLimitedAndKilledCgroupsParentsFirst) {
  const HostFs fs(test::test_data("hosts/k8s-node-6.8"));
  const std::vector<facts::CgroupMemory> cgs = read_memory_cgroups(fs);
  ASSERT_GE(cgs.size(), 6u);
  EXPECT_EQ(cgs[0].path, "/kubepods.slice");
  EXPECT_TRUE(cgs[0].max_bytes);
  EXPECT_EQ(cgs[0].events.get("oom_kill"), 9u);
  EXPECT_TRUE(cgs[0].peak_bytes);
  for (const facts::CgroupMemory& cg : cgs) {
    EXPECT_FALSE(cg.path.starts_with("/system.slice")) << cg.path << " has no limit or event";
    EXPECT_EQ(cg.version, 2);
  }
  EXPECT_EQ(find_kubelet(fs, cgs), "/var/lib/kubelet/config.yaml");
  // A container's own namespace root is its cgroup, limit and all.
  const auto container = read_memory_cgroups(HostFs(test::test_data("hosts/container-v2-6.1")));
  ASSERT_EQ(container.size(), 1u);
  EXPECT_EQ(container[0].path, "/");
  EXPECT_EQ(container[0].max_bytes, 2147483648u);
  EXPECT_FALSE(find_kubelet(HostFs(test::test_data("hosts/container-v2-6.1")), container));
}

}  // namespace
}  // namespace mmtune::probes
