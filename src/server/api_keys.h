// API keys of the trading API and the authentication of signed requests (api/binance-spot-subset.md section 2.3;
// docs/api-auth.md). An edge module: it may use randomness (key creation) but reads no clock; time comes in.
//
// A key has an id (64 letters and digits, sent in X-MBX-APIKEY), an owner (user id and role, DESIGN.md section
// 8), permissions (read, trade, withdraw), an optional IP allow-list and a kind:
// - HMAC-SHA256: the server holds the secret (64 letters and digits, shown to the user once at creation). In
//   memory it is plain, in zeroed-on-release storage; in the serialised registry it is encrypted with a key
//   derived from the master key (XChaCha20-Poly1305, the record's fields as associated data), and the whole file
//   carries a keyed BLAKE2b tag, so a changed permission or allow-list is detected.
// - Ed25519: the server holds only the user's public key; signatures are base64 (percent-encoded in the request).
//
// Secrets are never printed: no type here has an operator<<, and error texts never include key material.
// Thread rules: a registry is not thread-safe for writes; authenticate() and find() are const and may run on many
// threads while nothing writes.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/role.h"
#include "base/status.h"
#include "server/binance_errors.h"
#include "server/ip_address.h"
#include "server/params.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace qz::server {

inline constexpr size_t kApiKeyIdLength = 64;
inline constexpr size_t kHmacSecretLength = 64;
inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kMaxAllowedRanges = 32;
inline constexpr int64_t kDefaultRecvWindowMs = 5000;
inline constexpr int64_t kMaxRecvWindowMs = 60000;
inline constexpr int64_t kMaxClockAheadMs = 1000;

enum class KeyKind : uint8_t { hmac_sha256 = 1, ed25519 = 2 };
const char* key_kind_name(KeyKind kind);  // "HMAC_SHA256", "ED25519"

// Permission bits; a key holds a set, a route requires one (or none: key only).
enum class Permission : uint8_t { none = 0, read = 1, trade = 2, withdraw = 4 };
inline constexpr uint8_t kAllPermissions = 7;

// Bytes that are zeroed when released. Move-only; no printing.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::span<const uint8_t> bytes);
  explicit SecretBytes(std::string_view text);
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  std::span<const uint8_t> bytes() const { return bytes_; }
  // The bytes as text (HMAC secrets are ASCII), to hand to the user once.
  std::string_view reveal() const;
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

 private:
  void wipe();
  std::vector<uint8_t> bytes_;
};

// The 32-byte key that protects the serialised registry. Keep it outside the data it protects.
class MasterKey {
 public:
  static constexpr size_t kBytes = 32;
  static MasterKey generate();
  // Exactly 32 bytes.
  [[nodiscard]] static bool from_bytes(std::span<const uint8_t> bytes, MasterKey* out);
  std::span<const uint8_t> bytes() const { return key_.bytes(); }

 private:
  SecretBytes key_;
};

// What a key may do and for whom, without key material.
struct KeySpec {
  uint64_t owner_user = 0;           // not 0
  Role role = Role::none;            // not none
  uint8_t permissions = 0;           // Permission bits, at least read
  std::vector<IpRange> allowed_ips;  // empty = any address; at most kMaxAllowedRanges
  int64_t created_ms = 0;

  friend bool operator==(const KeySpec&, const KeySpec&) = default;
};

struct ApiKeyInfo {
  std::string key_id;
  KeyKind kind = KeyKind::hmac_sha256;
  KeySpec spec;

  friend bool operator==(const ApiKeyInfo&, const ApiKeyInfo&) = default;
};

// Who a request comes from, once authenticated.
struct KeyIdentity {
  std::string key_id;
  uint64_t owner_user = 0;
  Role role = Role::none;
  uint8_t permissions = 0;
  KeyKind kind = KeyKind::hmac_sha256;

  friend bool operator==(const KeyIdentity&, const KeyIdentity&) = default;
};

struct AuthResult {
  KeyIdentity identity;  // valid when ok()
  std::optional<BinanceError> error;
  int64_t timestamp_ms = 0;    // the request's, when checked
  int64_t recv_window_ms = 0;  // as sent, or the default

  bool ok() const { return !error.has_value(); }
};

// 64 letters and digits.
bool api_key_id_valid(std::string_view key_id);
// Why a spec is refused, or "" when it is valid: owner 0, role none or unknown, permissions outside the bits or
// without read, more than kMaxAllowedRanges ranges, a regulator key that may trade or withdraw (supervision is
// read-only), a withdraw permission without an IP allow-list.
std::string key_spec_problem(const KeySpec& spec);

// Lower-case hex of HMAC-SHA256(secret, message): what a client sends as `signature` (section 2.3).
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);
// Ed25519 public key from the base64 of its 32 bytes, or a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) as the venue's
// key generator writes it. False on anything else or a point that is not a valid public key. (Raw bytes go to
// add_ed25519 directly.)
[[nodiscard]] bool parse_ed25519_public_key(std::string_view text, std::array<uint8_t, 32>* out);

struct CreatedHmacKey {
  std::string key_id;
  SecretBytes secret;  // show once; the registry keeps its own copy
};

// HMAC-SHA256 under one key, with the key's inner and outer pads hashed once (RFC 2104): a signature then costs
// two context copies and the message's blocks, not a digest look-up and keying per call.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::span<const uint8_t> key);
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;
  void sign(std::string_view message, uint8_t out[32]) const;  // thread-safe
  // The message in parts, signed as their concatenation (a request's query and body without a copy of them).
  void sign(std::span<const std::string_view> parts, uint8_t out[32]) const;
  std::string sign_hex(std::string_view message) const;        // lower-case hex, as a client sends it

 private:
  evp_md_ctx_st* inner_;
  evp_md_ctx_st* outer_;
};

class ApiKeyRegistry {
 public:
  static constexpr size_t kDefaultMaxKeys = 100000;

  explicit ApiKeyRegistry(MasterKey master, size_t max_keys = kDefaultMaxKeys);
  ApiKeyRegistry(ApiKeyRegistry&&) = default;
  ApiKeyRegistry& operator=(ApiKeyRegistry&&) = default;

  // Creates an HMAC key with a random id and secret (libsodium randombytes).
  [[nodiscard]] Status create_hmac(const KeySpec& spec, CreatedHmacKey* out);
  // Registers an HMAC key with a given id and secret (64 letters and digits each): imports and tests.
  [[nodiscard]] Status add_hmac(std::string_view key_id, std::string_view secret, const KeySpec& spec);
  // Registers an Ed25519 public key under a new random id, written to *key_id.
  [[nodiscard]] Status add_ed25519(std::span<const uint8_t, 32> public_key, const KeySpec& spec, std::string* key_id);
  // Registers an Ed25519 public key under a given id.
  [[nodiscard]] Status add_ed25519_with_id(std::string_view key_id, std::span<const uint8_t, 32> public_key,
                                           const KeySpec& spec);
  // False when there is no such key.
  bool revoke(std::string_view key_id);

  std::optional<ApiKeyInfo> find(std::string_view key_id) const;
  std::vector<ApiKeyInfo> list() const;  // ordered by key id
  size_t size() const { return keys_.size(); }

  // The key-only checks of an API-key route (USER_STREAM) and the first half of authenticate(), in the contract's
  // order: header missing or not 64 letters and digits -> -2014; unknown key, a missing permission, or a client
  // address outside a non-empty allow-list -> -2015.
  AuthResult identify(std::string_view api_key_header, Permission required, const IpAddress& client) const;

  // A SIGNED request, checked in the contract's order (each an early return):
  //   identify() (-2014, -2015);
  //   signature missing or empty -> -1102 'signature';
  //   signature not the last parameter, or not valid over totalParams -> -1022 (HMAC: hex, either case, compared
  //   in constant time; Ed25519: base64 of the 64-byte signature, checked with the public key);
  //   timestamp missing or not an integer -> -1102 'timestamp'; recvWindow not an integer or negative -> -1102
  //   'recvWindow'; recvWindow above 60000 -> -1102 "'recvWindow' ... Cannot be greater than '60000'.";
  //   timestamp >= now + 1000 -> -1021 ahead; now - timestamp > recvWindow -> -1021 outside the recvWindow.
  AuthResult authenticate(const RequestParams& params, std::string_view api_key_header, int64_t now_ms,
                          Permission required, const IpAddress& client) const;

  // The registry as bytes for storage: secrets encrypted, the whole tagged with a key derived from the master key.
  std::vector<uint8_t> serialise() const;
  // Reads serialise()'s output back. Errors (wrong master key, a modified or truncated file, a record breaking
  // the rules) say which and never include key material. *out is replaced only on success.
  [[nodiscard]] static Status parse(std::span<const uint8_t> bytes, MasterKey master, ApiKeyRegistry* out,
                                    size_t max_keys = kDefaultMaxKeys);

 private:
  struct Entry {
    ApiKeyInfo info;
    SecretBytes hmac_secret;                   // HMAC keys
    std::shared_ptr<const HmacSha256Key> hmac;  // HMAC keys: the secret, keyed (made by insert)
    std::array<uint8_t, 32> ed25519_public{};  // Ed25519 keys
  };
  [[nodiscard]] Status insert(Entry entry);
  // identify(), also giving the key's entry when it succeeds.
  AuthResult identify(std::string_view api_key_header, Permission required, const IpAddress& client,
                      const Entry** entry) const;
  bool signature_valid(const Entry& entry, const RequestParams& params) const;

  MasterKey master_;
  size_t max_keys_;
  std::map<std::string, Entry, std::less<>> keys_;  // in id order, for listings and storage
  // The same entries by id, for the lookup every request makes: one hash of the id instead of a walk down the
  // tree. Views and pointers into keys_'s nodes, which stay where they are until erased.
  std::unordered_map<std::string_view, const Entry*> by_id_;
};

}  // namespace qz::server
