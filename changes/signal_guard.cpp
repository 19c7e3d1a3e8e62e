#include "changes/signal_guard.hpp"

#include <signal.h>

#include <atomic>

namespace mmtune::changes {
namespace {

std::atomic<int> g_signal{0};
struct sigaction g_old_int {
}, g_old_term{};

void on_signal(int signal_number) { g_signal.store(signal_number); }

}  // namespace

InterruptGuard::InterruptGuard() {
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &g_old_int);
  ::sigaction(SIGTERM, &action, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
}

int InterruptGuard::signal_received() { return g_signal.load(); }

}  // namespace mmtune::changes
