// The operator's Ed25519 key pair (libsodium) and the files that hold it. Internal to the journal.
//
//   DIR/keys/operator.key  the 64-byte libsodium secret key (seed || public key) as 128 hex digits and a newline,
//                          mode 0600, created exclusively (never overwritten)
//   DIR/keys/operator.pub  the 32-byte public key as 64 hex digits and a newline
//
// Blocks are signed over their 32-byte block hash. Every function here is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/sha256.h"
#include "base/status.h"

namespace qz::journal_internal {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

struct OperatorKey {
  std::array<uint8_t, 64> secret{};
  PublicKey public_key{};
};

// Initialises libsodium once; false only if libsodium cannot start (no entropy source).
[[nodiscard]] bool crypto_ready();

std::string key_path(const std::string& data_dir);         // DIR/keys/operator.key
std::string public_key_path(const std::string& data_dir);  // DIR/keys/operator.pub

// Generates a fresh pair and writes both files (DIR/keys must exist). Refuses if either file exists.
[[nodiscard]] Status create_operator_key(const std::string& data_dir, OperatorKey* key);
// Reads both files and checks that they belong together.
[[nodiscard]] Status load_operator_key(const std::string& data_dir, OperatorKey* key);
// Reads DIR/keys/operator.pub.
[[nodiscard]] Status load_public_key(const std::string& data_dir, PublicKey* key);

Signature sign_hash(const OperatorKey& key, const Hash256& hash);
[[nodiscard]] bool verify_hash(const PublicKey& key, const Hash256& hash, const uint8_t* signature);

}  // namespace qz::journal_internal
