#pragma once
/// SHA-256 (FIPS 180-4), for the digests in applied records, snapshots and
/// saved plans. Small and dependency-free: the Debian packages we build
/// from carry no hash library.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace jailplan {

class Sha256 {
 public:
  Sha256();
  Sha256& update(std::string_view bytes);
  /// Feeds a length-prefixed field, so that ("ab","c") and ("a","bc") differ.
  Sha256& field(std::string_view bytes);
  std::array<std::uint8_t, 32> finish();
  /// "sha256:" followed by 64 lower-case hex digits.
  std::string hex_digest();

 private:
  void block(const std::uint8_t* p);

  std::array<std::uint32_t, 8> m_h;
  std::array<std::uint8_t, 64> m_buf{};
  std::size_t m_used = 0;
  std::uint64_t m_total = 0;
};

}  // namespace jailplan
