#include "changes/signal_guard.hpp"

#include <signal.h>
#include <unistd.h>

#include <memory>

#include "probes/sampler.hpp"

namespace mmtune::changes {
namespace {

// The record. Everything the handler touches is a lock-free atomic.
std::atomic<int> g_signal{0};
std::atomic<bool> g_flag{false};
std::atomic<probes::SamplerStop*> g_latch{nullptr};

// Owned by the outermost guard; touched only by the thread that makes guards.
std::unique_ptr<probes::SamplerStop> g_latch_owner;
int g_depth = 0;
struct sigaction g_old_int {
}, g_old_term{};

void on_signal(int number) {
  g_signal.store(number);
  g_flag.store(true);
  if (probes::SamplerStop* latch = g_latch.load()) latch->request();  // an eventfd write
}

void install_handler(struct sigaction* old_int, struct sigaction* old_term) {
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, old_int);
  ::sigaction(SIGTERM, &action, old_term);
}

}  // namespace

SignalGuard::SignalGuard() {
  if (g_depth++ > 0) return;
  g_signal.store(0);
  g_flag.store(false);
  g_latch_owner = std::make_unique<probes::SamplerStop>();
  g_latch.store(g_latch_owner.get());
  install_handler(&g_old_int, &g_old_term);
}

SignalGuard::~SignalGuard() {
  if (--g_depth > 0) return;
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
  g_latch.store(nullptr);
  g_latch_owner.reset();
}

int SignalGuard::received() { return g_signal.load(); }

const std::atomic<bool>& SignalGuard::flag() { return g_flag; }

int SignalGuard::wake_fd() {
  probes::SamplerStop* latch = g_latch.load();
  return latch ? latch->fd() : -1;
}

probes::SamplerStop& SignalGuard::sampler_stop() const { return *g_latch_owner; }

pid_t SignalGuard::fork() {
  sigset_t both, old;
  sigemptyset(&both);
  sigaddset(&both, SIGINT);
  sigaddset(&both, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &both, &old);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The latch is the parent's eventfd: forget it without closing or freeing anything (no
    // allocation after fork in a process that may have threads).
    g_latch.store(nullptr);
    (void)g_latch_owner.release();
    g_signal.store(0);
    g_flag.store(false);
    install_handler(nullptr, nullptr);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return pid;
}

}  // namespace mmtune::changes
