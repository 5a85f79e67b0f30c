#include "journal/internal/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/assert.h"
#include "base/hex.h"

namespace qz::journal_internal {

static_assert(crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_BYTES == 64);

namespace {

std::string errno_text() { return std::strerror(errno); }

Status write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Status::error("cannot create " + path + ": " + errno_text());
  Status status = Status::ok();
  if (::fchmod(fd, mode) != 0) status = Status::error("cannot set the mode of " + path + ": " + errno_text());
  size_t written = 0;
  while (status.is_ok() && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = Status::error("cannot write " + path + ": " + errno_text());
      break;
    }
    written += static_cast<size_t>(n);
  }
  if (status.is_ok() && ::fsync(fd) != 0) status = Status::error("cannot sync " + path + ": " + errno_text());
  ::close(fd);
  return status;
}

Status read_small_file(const std::string& path, std::string* text) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::error("cannot open " + path + ": " + errno_text());
  text->clear();
  char buffer[512];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text();
      ::close(fd);
      return Status::error("cannot read " + path + ": " + why);
    }
    if (n == 0) break;
    text->append(buffer, static_cast<size_t>(n));
    if (text->size() > 4096) {
      ::close(fd);
      return Status::error(path + " is too large to be a key file");
    }
  }
  ::close(fd);
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r' || text->back() == ' ')) text->pop_back();
  return Status::ok();
}

}  // namespace

bool crypto_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string key_path(const std::string& data_dir) { return data_dir + "/keys/operator.key"; }
std::string public_key_path(const std::string& data_dir) { return data_dir + "/keys/operator.pub"; }

Status create_operator_key(const std::string& data_dir, OperatorKey* key) {
  if (!crypto_ready()) return Status::error("libsodium failed to initialise");
  crypto_sign_keypair(key->public_key.data(), key->secret.data());
  std::string secret_hex = hex_encode(key->secret) + "\n";
  Status status = write_new_file(key_path(data_dir), secret_hex, 0600);
  sodium_memzero(secret_hex.data(), secret_hex.size());
  QZ_TRY(status);
  return write_new_file(public_key_path(data_dir), hex_encode(key->public_key) + "\n",
                        0644);
}

Status load_public_key(const std::string& data_dir, PublicKey* key) {
  std::string text;
  QZ_TRY(read_small_file(public_key_path(data_dir), &text));
  if (!hex_decode(text, *key)) {
    return Status::error(public_key_path(data_dir) + " does not hold a 64-hex-digit Ed25519 public key");
  }
  return Status::ok();
}

Status load_operator_key(const std::string& data_dir, OperatorKey* key) {
  if (!crypto_ready()) return Status::error("libsodium failed to initialise");
  std::string text;
  QZ_TRY(read_small_file(key_path(data_dir), &text));
  const bool parsed = hex_decode(text, key->secret);
  sodium_memzero(text.data(), text.size());
  if (!parsed) return Status::error(key_path(data_dir) + " does not hold a 128-hex-digit Ed25519 secret key");
  QZ_TRY(load_public_key(data_dir, &key->public_key));
  PublicKey derived{};
  crypto_sign_ed25519_sk_to_pk(derived.data(), key->secret.data());
  if (derived != key->public_key) {
    return Status::error(public_key_path(data_dir) + " is not the public key of " + key_path(data_dir));
  }
  return Status::ok();
}

Signature sign_hash(const OperatorKey& key, const Hash256& hash) {
  Signature signature{};
  QZ_ASSERT(crypto_sign_detached(signature.data(), nullptr, hash.bytes.data(), hash.bytes.size(),
                                 key.secret.data()) == 0);
  return signature;
}

bool verify_hash(const PublicKey& key, const Hash256& hash, const uint8_t* signature) {
  return crypto_sign_verify_detached(signature, hash.bytes.data(), hash.bytes.size(), key.data()) == 0;
}

}  // namespace qz::journal_internal
