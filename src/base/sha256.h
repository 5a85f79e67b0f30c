// SHA-256 (OpenSSL EVP underneath) and the 32-byte hash value type.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace qz {

struct Hash256 {
  std::array<uint8_t, 32> bytes{};

  bool is_zero() const;
  std::string hex() const;
  // Parses 64 lowercase or uppercase hex digits; false on anything else.
  [[nodiscard]] static bool from_hex(std::string_view text, Hash256* out);
  friend bool operator==(const Hash256&, const Hash256&) = default;
  friend auto operator<=>(const Hash256&, const Hash256&) = default;
};

// Incremental SHA-256. One instance reuses its OpenSSL context, so hashing many small messages through one
// instance avoids per-call set-up cost; small updates are gathered in a buffer first, because each call into
// OpenSSL costs about as much as hashing 64 bytes (a state hash is hundreds of thousands of 8-byte updates).
// Not thread-safe; use one per thread.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(const void* data, size_t size);
  Sha256& update(std::span<const uint8_t> data) { return update(data.data(), data.size()); }
  Sha256& update(std::string_view text) { return update(text.data(), text.size()); }
  Sha256& update_u64(uint64_t value);  // little-endian
  // Returns the digest and resets for the next message.
  Hash256 finish();

 private:
  static constexpr size_t kBufferBytes = 1024;
  void flush();

  void* ctx_;  // EVP_MD_CTX
  size_t buffered_ = 0;
  std::array<uint8_t, kBufferBytes> buffer_{};
};

Hash256 sha256(const void* data, size_t size);
inline Hash256 sha256(std::span<const uint8_t> data) { return sha256(data.data(), data.size()); }
inline Hash256 sha256(std::string_view text) { return sha256(text.data(), text.size()); }

}  // namespace qz
