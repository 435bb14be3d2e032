#include "planner/sha256.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <new>

namespace jailplan {

namespace {

/// The SHA-256 implementation, fetched once (an implicit fetch per digest
/// takes a lock in OpenSSL 3).
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? static_cast<const EVP_MD*>(fetched) : EVP_sha256();
  }();
  return md;
}

}  // namespace

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new()) {
  if (m_ctx == nullptr || EVP_DigestInit_ex(m_ctx, sha256_md(), nullptr) != 1) throw std::bad_alloc();
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(m_ctx);
}

void Sha256::flush() {
  if (m_used > 0) EVP_DigestUpdate(m_ctx, m_buf.data(), m_used);
  m_used = 0;
}

Sha256& Sha256::update(std::string_view bytes) {
  if (bytes.size() > m_buf.size() - m_used) {
    flush();
    if (bytes.size() >= m_buf.size()) {
      EVP_DigestUpdate(m_ctx, bytes.data(), bytes.size());
      return *this;
    }
  }
  std::memcpy(m_buf.data() + m_used, bytes.data(), bytes.size());
  m_used += bytes.size();
  return *this;
}

Sha256& Sha256::field(std::string_view bytes) {
  const std::uint64_t n = bytes.size();
  std::array<char, 8> len{};
  for (std::size_t i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  update(std::string_view(len.data(), len.size()));
  return update(bytes);
}

std::array<std::uint8_t, 32> Sha256::finish() {
  flush();
  std::array<std::uint8_t, 32> out{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(m_ctx, out.data(), &size);
  return out;
}

std::string Sha256::hex_digest() {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string s = "sha256:";
  for (std::uint8_t b : finish()) {
    s += k_hex[b >> 4];
    s += k_hex[b & 15];
  }
  return s;
}

}  // namespace jailplan
