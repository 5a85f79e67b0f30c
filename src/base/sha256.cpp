#include "base/sha256.h"

#include <openssl/evp.h>

#include <cstring>

#include "base/assert.h"
#include "base/hex.h"

namespace qz {

namespace {
const EVP_MD* sha256_md() {
  // Fetched once: EVP_sha256() is a static method table, safe to share across threads.
  static const EVP_MD* md = EVP_sha256();
  return md;
}
}  // namespace

bool Hash256::is_zero() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

std::string Hash256::hex() const { return hex_encode(bytes); }

bool Hash256::from_hex(std::string_view text, Hash256* out) { return hex_decode(text, out->bytes); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  QZ_ASSERT(ctx_ != nullptr);
  QZ_ASSERT(EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), sha256_md(), nullptr) == 1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::flush() {
  if (buffered_ == 0) return;
  QZ_ASSERT(EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), buffer_.data(), buffered_) == 1);
  buffered_ = 0;
}

Sha256& Sha256::update(const void* data, size_t size) {
  if (size == 0) return *this;
  if (buffered_ + size <= kBufferBytes) {
    std::memcpy(buffer_.data() + buffered_, data, size);
    buffered_ += size;
    return *this;
  }
  flush();
  if (size < kBufferBytes) {
    std::memcpy(buffer_.data(), data, size);
    buffered_ = size;
    return *this;
  }
  QZ_ASSERT(EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size) == 1);
  return *this;
}

Sha256& Sha256::update_u64(uint64_t value) {
  uint8_t le[8];
  for (int i = 0; i < 8; i++) le[i] = static_cast<uint8_t>(value >> (8 * i));
  return update(le, sizeof le);
}

Hash256 Sha256::finish() {
  Hash256 digest;
  unsigned int size = 0;
  flush();
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  QZ_ASSERT(EVP_DigestFinal_ex(ctx, digest.bytes.data(), &size) == 1);
  QZ_ASSERT(size == 32);
  QZ_ASSERT(EVP_DigestInit_ex(ctx, nullptr, nullptr) == 1);  // same digest, ready for the next message
  return digest;
}

Hash256 sha256(const void* data, size_t size) {
  thread_local Sha256 hasher;
  return hasher.update(data, size).finish();
}

}  // namespace qz
