// O_DIRECT + fork(): data loss through copy-on-write.
//
// An O_DIRECT read takes references on the user pages (get_user_pages), submits the I/O, and the
// device writes the data into those physical pages when it completes. If the process forks while
// the read is in flight, fork write-protects the private page in both processes. A write by the
// parent to any byte of that page then faults, and do_wp_page() gives the parent a *copy* unless it
// may reuse the page:
//   ≤ 5.8  reuse if mapcount == 1: with the child alive the parent copies (needs the child alive)
//   5.9+   reuse only if refcount == 1 (09854ba94c6a): the I/O's reference alone forces a copy, so
//          the parent copies even after the child exited
// Either way the device completes into the old page, which the parent no longer maps: the data it
// read is lost to the parent (the child, if alive, sees it). The fix is for the I/O to *pin*
// (FOLL_PIN): fork then copies maybe-pinned pages eagerly for the child (5.9, Peter Xu), so the
// parent keeps the page the device writes. Block-device O_DIRECT (iomap/blkdev bio and
// fs/direct-io.c) moved to FOLL_PIN with iov_iter_extract_pages in ≈6.5 (David Howells, 2023):
//   kernel < 6.5 (without a distro backport): affected; ≥ 6.5: fixed for block-based filesystems.
// NFS, FUSE and CIFS direct I/O extract pages their own way: unknown, verify separately.
//
// Workarounds (docs/model.md, O_DIRECT and fork; open(2) NOTES):
//   MADV_DONTFORK   the child does not get the VMA, the parent's PTEs stay writable: safe on every
//                   kernel
//   MAP_SHARED      shared pages are never copied on write: safe on every kernel
//   registered      io_uring fixed buffers are FOLL_PIN | FOLL_LONGTERM: safe since 5.9 (fork
//   copies
//                   pinned pages for the child); before 5.9 affected like a plain buffer
// Not racing at all is also safe: no parent write to the page while the read is in flight, or
// buffered I/O.
//
// Worked example: Debian 12 (6.1), malloc'ed buffer, fork during the read, parent writes the other
// half of the page → data loss expected; with MADV_DONTFORK → safe. On 6.18 → safe.
#include "model/dio_fork.hpp"

#include <fmt/format.h>

namespace mmtune::model {

std::string_view to_string(DioBuffer buffer) {
  switch (buffer) {
    case DioBuffer::private_anon:
      return "private anonymous";
    case DioBuffer::private_anon_dontfork:
      return "MADV_DONTFORK";
    case DioBuffer::shared:
      return "MAP_SHARED";
    case DioBuffer::registered:
      return "io_uring registered buffer";
  }
  return "?";
}

std::string_view to_string(DioVerdict verdict) {
  switch (verdict) {
    case DioVerdict::safe:
      return "safe";
    case DioVerdict::data_loss_expected:
      return "data loss expected";
    case DioVerdict::unknown:
      return "unknown";
  }
  return "?";
}

DioForkPrediction predict_dio_fork(const DioForkShape& shape, const facts::KernelInfo& kernel) {
  DioForkPrediction out;
  const bool pins_dio = kernel_at_least(kernel, 6, 5);
  const bool pins_registered_copied = kernel_at_least(kernel, 5, 9);
  const bool refcount_reuse = kernel_at_least(kernel, 5, 9);
  out.kernel_affected = !pins_dio;
  const std::string version =
      kernel.release.empty() ? "unknown kernel" : "kernel " + kernel.release;

  out.workarounds = {{DioBuffer::private_anon_dontfork, true,
                      "the child does not inherit the VMA: no write-protect, no COW"},
                     {DioBuffer::shared, true, "MAP_SHARED pages are never copied on write"},
                     {DioBuffer::registered, pins_registered_copied,
                      pins_registered_copied
                          ? "FOLL_PIN|FOLL_LONGTERM: fork copies pinned pages for the child (5.9+)"
                          : "before 5.9 fork shares pinned pages: the parent's write copies them"}};

  const char* fn =
      "do_wp_page / copy_present_page (mm/memory.c), bio_iov_iter_get_pages (block/bio.c)";
  std::string rule;
  if (!shape.parent_writes_same_page) {
    out.verdict = DioVerdict::safe;
    rule = "no write to the page while the read is in flight: nothing is copied";
  } else if (shape.buffer == DioBuffer::private_anon_dontfork ||
             shape.buffer == DioBuffer::shared) {
    out.verdict = DioVerdict::safe;
    rule = out.workarounds[shape.buffer == DioBuffer::shared ? 1 : 0].why;
  } else if (shape.buffer == DioBuffer::registered) {
    out.verdict = pins_registered_copied ? DioVerdict::safe : DioVerdict::data_loss_expected;
    rule = out.workarounds[2].why;
  } else if (!shape.block_device) {
    out.verdict = DioVerdict::unknown;
    rule = "non-block direct I/O (NFS, FUSE, CIFS) extracts pages its own way: verify separately";
  } else if (pins_dio) {
    out.verdict = DioVerdict::safe;
    rule = "6.5+: block O_DIRECT pins (FOLL_PIN), fork copies the pinned page for the child";
  } else if (!shape.child_alive && !refcount_reuse) {
    out.verdict = DioVerdict::safe;
    rule = "before 5.9 the parent reuses the page once the child has exited (mapcount 1)";
  } else {
    out.verdict = DioVerdict::data_loss_expected;
    rule = refcount_reuse
               ? "5.9–6.4: O_DIRECT holds a plain reference; refcount > 1 → the parent copies"
               : "before 5.9: the child shares the page (mapcount 2) → the parent copies";
  }
  out.why = {
      rule, fn,
      fmt::format("{}: block O_DIRECT {}; {} buffer → {}", version,
                  pins_dio ? "pins pages (fixed ≈6.5)" : "takes plain references (affected < ≈6.5)",
                  to_string(shape.buffer), to_string(out.verdict))};
  return out;
}

}  // namespace mmtune::model
