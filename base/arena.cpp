#include "base/arena.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace jailplan {

namespace {

// Blocks come from malloc, and are small: memory the process freed just
// before (records' statements released jail by jail as they are resolved)
// is reused instead of new pages being touched. The CLI's heap is advised as
// huge pages as a whole (cli/heap.hpp).
constexpr std::size_t k_block = std::size_t{64} << 10;

}  // namespace

Arena& Arena::operator=(Arena&& o) noexcept {
  if (this != &o) {
    release();
    m_next = std::exchange(o.m_next, 0);
    m_end = std::exchange(o.m_end, 0);
    m_reserved = std::exchange(o.m_reserved, 0);
    m_next_block = std::exchange(o.m_next_block, 0);
    m_blocks = std::move(o.m_blocks);
    o.m_blocks.clear();
  }
  return *this;
}

void* Arena::grow(std::size_t bytes, std::size_t align) {
  const std::size_t block = m_next_block == 0 ? k_block : m_next_block;
  if (m_next_block != 0) m_next_block = block * 2 >= k_block ? 0 : block * 2;
  const std::size_t size = std::max(block, bytes + align);
  // room for the entry first, so a failing push_back cannot leak the block
  if (m_blocks.size() == m_blocks.capacity()) m_blocks.reserve(std::max<std::size_t>(8, 2 * m_blocks.size()));
  void* base = std::malloc(size);
  if (base == nullptr) throw std::bad_alloc();
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
    if (b.base != keep.base) std::free(b.base);
  m_blocks.assign(1, keep);
  m_reserved = keep.size;
  m_next = reinterpret_cast<std::uintptr_t>(keep.base);
  m_end = m_next + keep.size;
}

void Arena::release() noexcept {
  for (const auto& b : m_blocks) std::free(b.base);
  m_blocks.clear();
  m_next = m_end = 0;
  m_reserved = 0;
}

}  // namespace jailplan
