#include "matrix/guest.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "matrix/process.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::matrix {
namespace {

std::string joined(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& arg : argv) text += arg + " ";
  return text;
}

TEST(Guest, ShellQuotingSurvivesTheShell) {
  std::string tricky = "it's $HOME `x` \"y\"";
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  if (!find_program("sh")) GTEST_SKIP() << "no sh";
  CommandResult echoed = run_command({"sh", "-c", "printf %s " + shell_quote(tricky)});
  EXPECT_EQ(echoed.out, tricky);
}

TEST(Guest, InitScriptLoadsModulesInOrderAndRunsTheCommand) {
  InitPlan plan;
  plan.insmod_paths = {"modules/01-virtio.ko", "modules/02-virtio_ring.ko"};
  plan.library_dirs = {"/lib/x86_64-linux-gnu"};
  plan.command = {"/usr/bin/mmtune", "run", "dio-fork-race", "--note", "a b"};
  plan.command_timeout_s = 200;
  std::string script = render_init_script(plan);
  EXPECT_TRUE(script.starts_with("#!/bin/busybox sh\n"));
  EXPECT_LT(script.find("insmod /modules/01-virtio.ko"),
            script.find("insmod /modules/02-virtio_ring.ko"));
  EXPECT_LT(script.find("insmod /modules/02-virtio_ring.ko"),
            script.find("mount -t ext4 /dev/vda /scratch"));
  EXPECT_NE(
      script.find("timeout -s TERM 200 '/usr/bin/mmtune' 'run' 'dio-fork-race' '--note' 'a b'"),
      std::string::npos);
  EXPECT_NE(script.find("export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu"), std::string::npos);
  EXPECT_NE(script.find("stty raw -echo <&3"), std::string::npos);
  EXPECT_NE(script.find("poweroff -f"), std::string::npos);
}

TEST(Guest, QemuIsTcgWithTwoSerialPortsAndAVirtioDisk) {
  QemuPlan plan;
  plan.vmlinuz = "/k/vmlinuz";
  plan.initramfs = "/r/i.cpio";
  plan.disk = "/r/disk.img";
  plan.console_log = "/r/console.log";
  plan.result_log = "/r/results.bin";
  std::vector<std::string> argv = qemu_argv(plan);
  std::string text = joined(argv);
  EXPECT_NE(text.find("-accel tcg"), std::string::npos);
  EXPECT_EQ(text.find("kvm"), std::string::npos);
  EXPECT_NE(text.find("-m 2048M"), std::string::npos);
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "-serial"), 2);
  EXPECT_LT(text.find("path=/r/console.log"), text.find("path=/r/results.bin"))
      << "ttyS0 is the console";
  EXPECT_NE(text.find("file=/r/disk.img,if=virtio,format=raw,cache=none"), std::string::npos);
  EXPECT_NE(text.find("console=ttyS0 panic=-1"), std::string::npos);
  EXPECT_EQ(text.find("-numa"), std::string::npos);
}

TEST(Guest, NumaNodesSplitMemoryAndCarryTheDistanceTable) {
  QemuPlan plan;
  plan.memory_mib = 2048;
  plan.numa_nodes = 3;
  plan.cpus = 2;
  plan.numa_remote_distance = 30;
  std::string text = joined(qemu_argv(plan));
  EXPECT_EQ(numa_node_mib(plan), 682u);
  EXPECT_NE(text.find("-m 2046M"), std::string::npos);
  EXPECT_NE(text.find("memory-backend-ram,id=mem2,size=682M"), std::string::npos);
  EXPECT_NE(text.find("node,nodeid=0,cpus=0,memdev=mem0"), std::string::npos);
  EXPECT_NE(text.find("node,nodeid=1,cpus=1,memdev=mem1"), std::string::npos);
  EXPECT_NE(text.find("-smp 2,sockets=2,cores=1,threads=1"), std::string::npos)
      << "one socket per CPU: no cache shared across nodes";
  EXPECT_NE(text.find("node,nodeid=2,memdev=mem2"), std::string::npos) << "a memory-only node";
  EXPECT_NE(text.find("dist,src=0,dst=1,val=30"), std::string::npos);
  EXPECT_NE(text.find("dist,src=1,dst=2,val=30"), std::string::npos);
}

TEST(Guest, ChannelFramesAreExactAndNoiseBeforeThemIsIgnored) {
  std::string stdout_text = "line one\n@@mmtune-matrix fake 3\nnot a frame\n";
  std::string bytes = "\r\nboot noise\n@@mmtune-matrix exit 2\n0\n@@mmtune-matrix stdout " +
                      std::to_string(stdout_text.size()) + "\n" + stdout_text +
                      "@@mmtune-matrix end 0\n";
  ChannelContent content = parse_channel(bytes);
  EXPECT_TRUE(content.ended);
  EXPECT_TRUE(content.problem.empty()) << content.problem;
  EXPECT_EQ(content.sections["exit"], "0\n");
  EXPECT_EQ(content.sections["stdout"], stdout_text) << "a frame mark inside the data is data";
}

TEST(Guest, ChannelCutShortIsAProblemNotACrash) {
  ChannelContent cut = parse_channel("@@mmtune-matrix json 100\n{\"a\":");
  EXPECT_FALSE(cut.ended);
  EXPECT_NE(cut.problem.find("cut short"), std::string::npos);
  EXPECT_FALSE(parse_channel("").ended);
  EXPECT_FALSE(parse_channel("@@mmtune-matrix json x\n").problem.empty());
}

}  // namespace
}  // namespace mmtune::matrix
