#include "grammar/arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

namespace jailplan {

namespace {

constexpr std::size_t k_first_block = std::size_t{256} << 10;
constexpr std::size_t k_huge_page = std::size_t{2} << 20;
constexpr std::size_t k_largest_step = std::size_t{16} << 20;

// A block from mmap. Blocks of 2 MiB and more are placed on a 2 MiB
// boundary and advised as huge pages (the kernel may still say no; the
// memory is then ordinary pages, which is only slower).
void* map_block(std::size_t size) {
  if (size < k_huge_page) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
  }
  const std::size_t span = size + k_huge_page;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const auto aligned = (start + k_huge_page - 1) & ~(k_huge_page - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  const auto tail = start + span - (aligned + size);
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + size), tail);
  ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

}  // namespace

Arena& Arena::operator=(Arena&& o) noexcept {
  if (this != &o) {
    release();
    m_next = std::exchange(o.m_next, 0);
    m_end = std::exchange(o.m_end, 0);
    m_reserved = std::exchange(o.m_reserved, 0);
    m_blocks = std::move(o.m_blocks);
    o.m_blocks.clear();
  }
  return *this;
}

void* Arena::grow(std::size_t bytes, std::size_t align) {
  // each block doubles the total so far (up to a step), so a big
  // compilation needs few blocks and a small one stays small
  std::size_t size = std::clamp(m_reserved, k_first_block, k_largest_step);
  if (size >= k_huge_page) size = (size + k_huge_page - 1) & ~(k_huge_page - 1);
  const std::size_t need = bytes + align;
  if (need > size) size = (need + 4095) & ~std::size_t{4095};
  void* base = map_block(size);
  m_blocks.push_back({base, size});
  m_reserved += size;
  m_next = reinterpret_cast<std::uintptr_t>(base);
  m_end = m_next + size;
  return allocate(bytes, align);
}

void Arena::reset() noexcept {
  if (m_blocks.empty()) return;
  const auto largest = std::max_element(m_blocks.begin(), m_blocks.end(),
                                        [](const Block& a, const Block& b) { return a.size < b.size; });
  const Block keep = *largest;
  for (const auto& b : m_blocks)
    if (b.base != keep.base) ::munmap(b.base, b.size);
  m_blocks.assign(1, keep);
  m_reserved = keep.size;
  m_next = reinterpret_cast<std::uintptr_t>(keep.base);
  m_end = m_next + keep.size;
}

void Arena::release() noexcept {
  for (const auto& b : m_blocks) ::munmap(b.base, b.size);
  m_blocks.clear();
  m_next = m_end = 0;
  m_reserved = 0;
}

}  // namespace jailplan
