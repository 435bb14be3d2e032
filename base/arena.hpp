#pragma once
/// A bump allocator for data that lives exactly as long as one compilation:
/// resolved strings, value arrays, shared parameters. Nothing is freed one
/// by one; everything goes when the arena does.
///
/// Why: a 10,000-jail site resolves to ~170,000 parameters and ~200,000
/// strings. One malloc each was a third of the front end's time. The
/// arena takes 64 KiB blocks from malloc, so memory freed just before (a
/// record's statements, released once its jail is resolved) is reused rather
/// than fresh pages touched — on the virtual machines jailplan is measured
/// on, a first touch of memory costs more than the work done in it.
///
/// Only trivially destructible objects go in (views, spans, locations):
/// the arena never runs destructors.

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace jailplan {

class Arena {
 public:
  Arena() = default;
  /// An arena whose first block is `first_block` bytes; blocks then double
  /// up to the usual size (for many small arenas freed one by one).
  explicit Arena(std::size_t first_block) : m_next_block(first_block) {}
  Arena(Arena&& o) noexcept { *this = std::move(o); }
  Arena& operator=(Arena&& o) noexcept;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() { release(); }

  void* allocate(std::size_t bytes, std::size_t align) {
    auto p = (m_next + (align - 1)) & ~(align - 1);
    if (p + bytes > m_end) return grow(bytes, align);
    m_next = p + bytes;
    return reinterpret_cast<void*>(p);
  }

  template <typename T, typename... Args>
  T* make(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "the arena never runs destructors");
    return ::new (allocate(sizeof(T), alignof(T))) T{std::forward<Args>(args)...};
  }

  /// `n` value-initialised objects.
  template <typename T>
  std::span<T> array(std::size_t n) {
    static_assert(std::is_trivially_destructible_v<T>, "the arena never runs destructors");
    if (n == 0) return {};
    T* p = static_cast<T*>(allocate(sizeof(T) * n, alignof(T)));
    for (std::size_t i = 0; i < n; ++i) ::new (p + i) T();
    return {p, n};
  }

  /// A copy of the contiguous range, in the arena.
  template <typename T>
  std::span<const T> copy(std::span<const T> src) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (src.empty()) return {};
    T* p = static_cast<T*>(allocate(sizeof(T) * src.size(), alignof(T)));
    std::memcpy(static_cast<void*>(p), src.data(), sizeof(T) * src.size());
    return {p, src.size()};
  }

  /// A copy of `s`, in the arena (not NUL-terminated).
  std::string_view save(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  /// Forgets everything allocated, keeping the largest block for reuse
  /// (scratch space that is refilled many times).
  void reset() noexcept;

  /// Bytes obtained from the system so far.
  std::size_t reserved() const { return m_reserved; }

 private:
  struct Block {
    void* base;
    std::size_t size;
  };
  void* grow(std::size_t bytes, std::size_t align);
  void release() noexcept;

  std::uintptr_t m_next = 0;
  std::uintptr_t m_end = 0;
  std::size_t m_reserved = 0;
  std::size_t m_next_block = 0;  // 0: the usual size
  std::vector<Block> m_blocks;
};

}  // namespace jailplan
