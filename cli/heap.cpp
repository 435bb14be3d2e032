#include "cli/heap.hpp"

// <cstdlib> first: on glibc it defines __GLIBC__, which the tuning needs
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#endif

namespace jailplan {

#if defined(__GLIBC__)

void prepare_heap() {
  constexpr std::size_t k_step = std::size_t{64} << 20;
  constexpr std::uintptr_t k_huge = std::uintptr_t{2} << 20;
  // large buffers (a file's text, big vectors) from the heap too, and no
  // giving memory back to the kernel while the process runs
  if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(k_step / 2)) == 0) return;
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * k_step));
  mallopt(M_TOP_PAD, static_cast<int>(k_step));
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  // one allocation larger than the heap's free space makes malloc extend
  // the break by it plus the pad
  // (volatile: a malloc/free pair is otherwise optimised away)
  void* volatile probe = std::malloc(std::size_t{1} << 20);
  std::free(probe);
  const auto after = reinterpret_cast<std::uintptr_t>(sbrk(0));
  const auto from = (before + k_huge - 1) & ~(k_huge - 1);
  const auto to = after & ~(k_huge - 1);
  if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
}

#else

// other C libraries keep their own defaults (FreeBSD's jemalloc already
// grows in large extents)
void prepare_heap() {}

#endif

}  // namespace jailplan
