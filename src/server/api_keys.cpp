#include "server/api_keys.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <utility>

#include "base/assert.h"
#include "base/bytes.h"
#include "base/hex.h"
#include "base/sha256.h"

namespace qz::server {

namespace {

// Serialised registry (docs/api-auth.md):
//   "QZAPIKEY" | u32 version | u32 count | count records | 32-byte keyed BLAKE2b tag of everything before it
// record:
//   u8 id length (64) | id | u64 owner | u8 role | u8 permissions | u8 kind | i64 created_ms
//   | u8 range count | per range: 16 address bytes, u8 prefix bits
//   | HMAC: 24-byte nonce, u8 secret length, ciphertext (secret length + 16)   (associated data: the record so far)
//   | Ed25519: 32-byte public key
constexpr char kMagic[8] = {'Q', 'Z', 'A', 'P', 'I', 'K', 'E', 'Y'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = sizeof kMagic + 4 + 4;
constexpr size_t kTagBytes = 32;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kAeadTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
// The largest record: head with a full allow-list, then an HMAC secret (the larger of the two key kinds).
constexpr size_t kMaxRecordBytes =
    1 + kApiKeyIdLength + 8 + 3 + 8 + 1 + kMaxAllowedRanges * 17 + kNonceBytes + 1 + kHmacSecretLength + kAeadTagBytes;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "qzapikey";
constexpr uint64_t kSecretsSubkey = 1;
constexpr uint64_t kFileTagSubkey = 2;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr int64_t kMaxNowMs = INT64_MAX / 2;
// SubjectPublicKeyInfo DER of an Ed25519 key, before the 32 key bytes (RFC 8410).
constexpr uint8_t kEd25519SpkiPrefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

static_assert(MasterKey::kBytes == crypto_kdf_KEYBYTES);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);
static_assert(kTagBytes >= crypto_generichash_BYTES_MIN && kTagBytes <= crypto_generichash_BYTES_MAX);

void ensure_sodium() { QZ_ASSERT_MSG(sodium_init() >= 0, "libsodium failed to initialise"); }

bool alphanumeric(std::string_view text, size_t length) {
  if (text.size() != length) return false;
  for (const char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string random_alphanumeric(size_t length) {
  std::string out(length, '\0');
  for (char& c : out) c = kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];
  return out;
}

// A subkey derived from the master key, zeroed on release.
SecretBytes subkey(const MasterKey& master, uint64_t id) {
  uint8_t key[32];
  QZ_ASSERT(crypto_kdf_derive_from_key(key, sizeof key, id, kKdfContext, master.bytes().data()) == 0);
  SecretBytes out(std::span<const uint8_t>(key, sizeof key));
  sodium_memzero(key, sizeof key);
  return out;
}

std::array<uint8_t, kTagBytes> file_tag(const MasterKey& master, std::span<const uint8_t> data) {
  const SecretBytes key = subkey(master, kFileTagSubkey);
  std::array<uint8_t, kTagBytes> tag{};
  QZ_ASSERT(crypto_generichash(tag.data(), tag.size(), data.data(), data.size(), key.bytes().data(), key.size()) == 0);
  return tag;
}

Status fail(const std::string& what) { return Status::error("api keys: " + what); }

void write_record_head(ByteWriter* w, const ApiKeyInfo& info) {
  w->u8(static_cast<uint8_t>(info.key_id.size()));
  w->bytes(info.key_id.data(), info.key_id.size());
  w->u64(info.spec.owner_user);
  w->u8(static_cast<uint8_t>(info.spec.role));
  w->u8(info.spec.permissions);
  w->u8(static_cast<uint8_t>(info.kind));
  w->i64(info.spec.created_ms);
  w->u8(static_cast<uint8_t>(info.spec.allowed_ips.size()));
  for (const IpRange& range : info.spec.allowed_ips) {
    w->bytes(range.base.bytes.data(), range.base.bytes.size());
    w->u8(range.prefix_bits);
  }
}

}  // namespace

const char* key_kind_name(KeyKind kind) {
  switch (kind) {
    case KeyKind::hmac_sha256: return "HMAC_SHA256";
    case KeyKind::ed25519: return "ED25519";
  }
  return "unknown";
}

// ---- SecretBytes, MasterKey -------------------------------------------------------------------------------------

SecretBytes::SecretBytes(std::span<const uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
SecretBytes::SecretBytes(std::string_view text)
    : bytes_(reinterpret_cast<const uint8_t*>(text.data()),
             reinterpret_cast<const uint8_t*>(text.data()) + text.size()) {}
SecretBytes::~SecretBytes() { wipe(); }
SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }
SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}
void SecretBytes::wipe() {
  if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
  bytes_.clear();
}
std::string_view SecretBytes::reveal() const {
  return std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
}

MasterKey MasterKey::generate() {
  ensure_sodium();
  uint8_t bytes[kBytes];
  randombytes_buf(bytes, sizeof bytes);
  MasterKey key;
  key.key_ = SecretBytes(std::span<const uint8_t>(bytes, sizeof bytes));
  sodium_memzero(bytes, sizeof bytes);
  return key;
}

bool MasterKey::from_bytes(std::span<const uint8_t> bytes, MasterKey* out) {
  if (bytes.size() != kBytes) return false;
  out->key_ = SecretBytes(bytes);
  return true;
}

// ---- checks and helpers -----------------------------------------------------------------------------------------

bool api_key_id_valid(std::string_view key_id) { return alphanumeric(key_id, kApiKeyIdLength); }

std::string key_spec_problem(const KeySpec& spec) {
  if (spec.owner_user == 0) return "owner user id must not be 0";
  if (spec.role == Role::none || static_cast<uint8_t>(spec.role) > kMaxRole) return "role must be a known role";
  if ((spec.permissions & ~kAllPermissions) != 0) return "permissions hold unknown bits";
  if ((spec.permissions & static_cast<uint8_t>(Permission::read)) == 0) return "every key needs the read permission";
  if (spec.allowed_ips.size() > kMaxAllowedRanges) return "at most 32 IP ranges";
  for (const IpRange& range : spec.allowed_ips) {
    if (range.prefix_bits > 128 || range.base.masked(range.prefix_bits) != range.base) {
      return "an IP range has host bits set or a prefix above 128";
    }
  }
  if (spec.role == Role::regulator && spec.permissions != static_cast<uint8_t>(Permission::read)) {
    return "a regulator key is read-only";
  }
  if ((spec.permissions & static_cast<uint8_t>(Permission::withdraw)) != 0 && spec.allowed_ips.empty()) {
    return "a key that may withdraw needs an IP allow-list";
  }
  return "";
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
  const std::span<const uint8_t> key(reinterpret_cast<const uint8_t*>(secret.data()), secret.size());
  return HmacSha256Key(key).sign_hex(message);
}

bool parse_ed25519_public_key(std::string_view text, std::array<uint8_t, 32>* out) {
  ensure_sodium();
  std::array<uint8_t, 32> key{};
  static constexpr std::string_view kBegin = "-----BEGIN PUBLIC KEY-----";
  static constexpr std::string_view kEnd = "-----END PUBLIC KEY-----";
  std::string_view body = text;
  const size_t begin = body.find(kBegin);
  if (begin != std::string_view::npos) {
    body = body.substr(begin + kBegin.size());
    const size_t end = body.find(kEnd);
    if (end == std::string_view::npos) return false;
    body = body.substr(0, end);
  }
  std::string compact;
  for (const char c : body) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') compact.push_back(c);
  }
  uint8_t decoded[64];
  size_t length = 0;
  if (compact.size() > 88 || sodium_base642bin(decoded, sizeof decoded, compact.data(), compact.size(), nullptr,
                                               &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  if (length == 32) {
    std::memcpy(key.data(), decoded, 32);
  } else if (length == sizeof kEd25519SpkiPrefix + 32 &&
             std::memcmp(decoded, kEd25519SpkiPrefix, sizeof kEd25519SpkiPrefix) == 0) {
    std::memcpy(key.data(), decoded + sizeof kEd25519SpkiPrefix, 32);
  } else {
    return false;
  }
  if (crypto_core_ed25519_is_valid_point(key.data()) != 1) return false;
  *out = key;
  return true;
}

// ---- keyed HMAC ------------------------------------------------------------------------------------------------

namespace {

const EVP_MD* sha256_digest() {
  static EVP_MD* const digest = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  QZ_ASSERT(digest != nullptr);
  return digest;
}

// A digest context per thread for the signatures it checks.
EVP_MD_CTX* work_context() {
  struct Owned {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    ~Owned() { EVP_MD_CTX_free(context); }
  };
  thread_local Owned owned;
  QZ_ASSERT(owned.context != nullptr);
  return owned.context;
}

}  // namespace

HmacSha256Key::HmacSha256Key(std::span<const uint8_t> key) : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()) {
  QZ_ASSERT(inner_ != nullptr && outer_ != nullptr);
  // RFC 2104: a key longer than the block is hashed first; the pads are the key XOR 0x36 and XOR 0x5c.
  uint8_t block[64] = {};
  if (key.size() > sizeof block) {
    unsigned int length = 0;
    QZ_ASSERT(EVP_Digest(key.data(), key.size(), block, &length, sha256_digest(), nullptr) == 1);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  uint8_t pad[64];
  for (size_t i = 0; i < sizeof pad; i++) pad[i] = static_cast<uint8_t>(block[i] ^ 0x36);
  QZ_ASSERT(EVP_DigestInit_ex(inner_, sha256_digest(), nullptr) == 1 && EVP_DigestUpdate(inner_, pad, sizeof pad) == 1);
  for (size_t i = 0; i < sizeof pad; i++) pad[i] = static_cast<uint8_t>(block[i] ^ 0x5c);
  QZ_ASSERT(EVP_DigestInit_ex(outer_, sha256_digest(), nullptr) == 1 && EVP_DigestUpdate(outer_, pad, sizeof pad) == 1);
  sodium_memzero(block, sizeof block);
  sodium_memzero(pad, sizeof pad);
}

HmacSha256Key::~HmacSha256Key() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
}

void HmacSha256Key::sign(std::string_view message, uint8_t out[32]) const {
  sign(std::span<const std::string_view>(&message, 1), out);
}

void HmacSha256Key::sign(std::span<const std::string_view> parts, uint8_t out[32]) const {
  EVP_MD_CTX* work = work_context();
  uint8_t inner_hash[32];
  unsigned int length = 0;
  QZ_ASSERT(EVP_MD_CTX_copy_ex(work, inner_) == 1);
  for (const std::string_view part : parts) QZ_ASSERT(EVP_DigestUpdate(work, part.data(), part.size()) == 1);
  QZ_ASSERT(EVP_DigestFinal_ex(work, inner_hash, &length) == 1 && length == 32);
  QZ_ASSERT(EVP_MD_CTX_copy_ex(work, outer_) == 1 && EVP_DigestUpdate(work, inner_hash, sizeof inner_hash) == 1 &&
            EVP_DigestFinal_ex(work, out, &length) == 1 && length == 32);
}

std::string HmacSha256Key::sign_hex(std::string_view message) const {
  Hash256 digest;
  sign(message, digest.bytes.data());
  return digest.hex();
}

// ---- registry ---------------------------------------------------------------------------------------------------

ApiKeyRegistry::ApiKeyRegistry(MasterKey master, size_t max_keys) : master_(std::move(master)), max_keys_(max_keys) {
  ensure_sodium();
  QZ_ASSERT_EQ(master_.bytes().size(), MasterKey::kBytes);
  QZ_ASSERT(max_keys_ > 0);
}

Status ApiKeyRegistry::insert(Entry entry) {
  if (!api_key_id_valid(entry.info.key_id)) return fail("a key id must be 64 letters and digits");
  const std::string problem = key_spec_problem(entry.info.spec);
  if (!problem.empty()) return fail(problem);
  if (keys_.size() >= max_keys_) return fail("the registry is full (" + std::to_string(max_keys_) + " keys)");
  if (keys_.count(entry.info.key_id) != 0) return fail("a key with this id exists");
  QZ_ASSERT((entry.info.kind == KeyKind::hmac_sha256) == !entry.hmac_secret.empty());
  if (entry.info.kind == KeyKind::hmac_sha256) entry.hmac = std::make_shared<const HmacSha256Key>(entry.hmac_secret.bytes());
  std::string id = entry.info.key_id;
  const auto placed = keys_.emplace(std::move(id), std::move(entry)).first;
  by_id_.emplace(placed->first, &placed->second);
  return Status::ok();
}

Status ApiKeyRegistry::create_hmac(const KeySpec& spec, CreatedHmacKey* out) {
  std::string id = random_alphanumeric(kApiKeyIdLength);
  for (int attempt = 0; attempt < 8 && keys_.count(id) != 0; attempt++) id = random_alphanumeric(kApiKeyIdLength);
  std::string secret = random_alphanumeric(kHmacSecretLength);
  const Status status = add_hmac(id, secret, spec);
  if (status.is_ok()) {
    out->key_id = id;
    out->secret = SecretBytes(secret);
  }
  sodium_memzero(secret.data(), secret.size());
  return status;
}

Status ApiKeyRegistry::add_hmac(std::string_view key_id, std::string_view secret, const KeySpec& spec) {
  if (!alphanumeric(secret, kHmacSecretLength)) return fail("an HMAC secret must be 64 letters and digits");
  Entry entry;
  entry.info = ApiKeyInfo{.key_id = std::string(key_id), .kind = KeyKind::hmac_sha256, .spec = spec};
  entry.hmac_secret = SecretBytes(secret);
  return insert(std::move(entry));
}

Status ApiKeyRegistry::add_ed25519(std::span<const uint8_t, 32> public_key, const KeySpec& spec, std::string* key_id) {
  std::string id = random_alphanumeric(kApiKeyIdLength);
  for (int attempt = 0; attempt < 8 && keys_.count(id) != 0; attempt++) id = random_alphanumeric(kApiKeyIdLength);
  QZ_TRY(add_ed25519_with_id(id, public_key, spec));
  *key_id = id;
  return Status::ok();
}

Status ApiKeyRegistry::add_ed25519_with_id(std::string_view key_id, std::span<const uint8_t, 32> public_key,
                                           const KeySpec& spec) {
  if (crypto_core_ed25519_is_valid_point(public_key.data()) != 1) return fail("not a valid Ed25519 public key");
  Entry entry;
  entry.info = ApiKeyInfo{.key_id = std::string(key_id), .kind = KeyKind::ed25519, .spec = spec};
  std::memcpy(entry.ed25519_public.data(), public_key.data(), 32);
  return insert(std::move(entry));
}

bool ApiKeyRegistry::revoke(std::string_view key_id) {
  const auto it = keys_.find(key_id);
  if (it == keys_.end()) return false;
  by_id_.erase(it->first);
  keys_.erase(it);
  return true;
}

std::optional<ApiKeyInfo> ApiKeyRegistry::find(std::string_view key_id) const {
  const auto it = keys_.find(key_id);
  if (it == keys_.end()) return std::nullopt;
  return it->second.info;
}

std::vector<ApiKeyInfo> ApiKeyRegistry::list() const {
  std::vector<ApiKeyInfo> out;
  out.reserve(keys_.size());
  for (const auto& [id, entry] : keys_) out.push_back(entry.info);
  return out;
}

AuthResult ApiKeyRegistry::identify(std::string_view api_key_header, Permission required,
                                    const IpAddress& client) const {
  const Entry* entry = nullptr;
  return identify(api_key_header, required, client, &entry);
}

AuthResult ApiKeyRegistry::identify(std::string_view api_key_header, Permission required, const IpAddress& client,
                                    const Entry** entry) const {
  AuthResult result;
  if (!api_key_id_valid(api_key_header)) {
    result.error = binance_error(BinanceErrorKind::api_key_format_invalid);
    return result;
  }
  const auto it = by_id_.find(api_key_header);
  if (it == by_id_.end()) {
    result.error = binance_error(BinanceErrorKind::api_key_rejected);
    return result;
  }
  const ApiKeyInfo& info = it->second->info;
  const auto needed = static_cast<uint8_t>(required);
  if ((info.spec.permissions & needed) != needed) {
    result.error = binance_error(BinanceErrorKind::api_key_rejected);
    return result;
  }
  if (!info.spec.allowed_ips.empty()) {
    bool allowed = false;
    for (const IpRange& range : info.spec.allowed_ips) allowed = allowed || range.contains(client);
    if (!allowed) {
      result.error = binance_error(BinanceErrorKind::api_key_rejected);
      return result;
    }
  }
  result.identity = KeyIdentity{.key_id = info.key_id,
                                .owner_user = info.spec.owner_user,
                                .role = info.spec.role,
                                .permissions = info.spec.permissions,
                                .kind = info.kind};
  *entry = it->second;
  return result;
}

bool ApiKeyRegistry::signature_valid(const Entry& entry, const RequestParams& params) const {
  const RequestParams::SignedParts parts = params.signed_parts();
  const std::string& signature = params.signature();
  if (entry.info.kind == KeyKind::hmac_sha256) {
    uint8_t sent[32];
    uint8_t expected[32];
    if (!hex_decode(signature, sent)) return false;  // time depends on the client's text only
    const std::array<std::string_view, 2> signed_text = {parts.query, parts.body};
    entry.hmac->sign(signed_text, expected);
    const bool equal = sodium_memcmp(sent, expected, sizeof expected) == 0;
    sodium_memzero(expected, sizeof expected);
    return equal;
  }
  QZ_ASSERT(entry.info.kind == KeyKind::ed25519);
  uint8_t raw[crypto_sign_BYTES];
  size_t length = 0;
  if (signature.size() != 88 || sodium_base642bin(raw, sizeof raw, signature.data(), signature.size(), nullptr, &length,
                                                  nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  if (length != crypto_sign_BYTES) return false;
  // Ed25519 signs the message whole: one piece in place when the other is empty, else the two joined.
  std::string joined;
  std::string_view payload = parts.body.empty() ? parts.query : parts.body;
  if (!parts.query.empty() && !parts.body.empty()) payload = joined = params.total_params();
  return crypto_sign_verify_detached(raw, reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
                                     entry.ed25519_public.data()) == 0;
}

AuthResult ApiKeyRegistry::authenticate(const RequestParams& params, std::string_view api_key_header, int64_t now_ms,
                                        Permission required, const IpAddress& client) const {
  QZ_ASSERT(now_ms >= 0 && now_ms <= kMaxNowMs);
  const Entry* found = nullptr;
  AuthResult result = identify(api_key_header, required, client, &found);
  if (!result.ok()) return result;
  const Entry& entry = *found;

  if (!params.has_signature() || params.signature().empty()) {
    result.error = binance_error(BinanceErrorKind::mandatory_param, "signature");
    return result;
  }
  if (!params.signature_placement_ok() || !signature_valid(entry, params)) {
    result.error = binance_error(BinanceErrorKind::invalid_signature);
    return result;
  }

  const ParamValue<int64_t> timestamp = param_integer(params, "timestamp", Presence::mandatory);
  if (!timestamp.ok()) {
    result.error = binance_error(BinanceErrorKind::mandatory_param, "timestamp");
    return result;
  }
  const ParamValue<int64_t> recv_window = param_integer(params, "recvWindow", Presence::optional);
  if (!recv_window.ok() || (recv_window.present && recv_window.value < 0)) {
    result.error = binance_error(BinanceErrorKind::mandatory_param, "recvWindow");
    return result;
  }
  result.timestamp_ms = timestamp.value;
  result.recv_window_ms = recv_window.present ? recv_window.value : kDefaultRecvWindowMs;
  if (result.recv_window_ms > kMaxRecvWindowMs) {
    result.error = binance_error(BinanceErrorKind::param_above_maximum, "recvWindow", std::to_string(kMaxRecvWindowMs));
    return result;
  }
  if (result.timestamp_ms >= now_ms + kMaxClockAheadMs) {
    result.error = binance_error(BinanceErrorKind::timestamp_ahead);
    return result;
  }
  if (result.timestamp_ms < now_ms - result.recv_window_ms) {
    result.error = binance_error(BinanceErrorKind::timestamp_outside_window);
    return result;
  }
  QZ_ASSERT(result.ok() && result.identity.key_id == api_key_header);
  return result;
}

// ---- storage ----------------------------------------------------------------------------------------------------

std::vector<uint8_t> ApiKeyRegistry::serialise() const {
  std::vector<uint8_t> out;
  out.reserve(kHeaderBytes + keys_.size() * kMaxRecordBytes + kTagBytes);
  out.resize(kHeaderBytes);
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  put_u32(out.data() + sizeof kMagic, kFormatVersion);
  put_u32(out.data() + sizeof kMagic + 4, static_cast<uint32_t>(keys_.size()));
  ByteWriter w(&out);
  const SecretBytes secrets_key = subkey(master_, kSecretsSubkey);
  for (const auto& [id, entry] : keys_) {
    const size_t record_start = out.size();
    write_record_head(&w, entry.info);
    if (entry.info.kind == KeyKind::hmac_sha256) {
      const std::vector<uint8_t> associated(out.begin() + static_cast<std::ptrdiff_t>(record_start), out.end());
      uint8_t nonce[kNonceBytes];
      randombytes_buf(nonce, sizeof nonce);
      const std::span<const uint8_t> secret = entry.hmac_secret.bytes();
      std::vector<uint8_t> sealed(secret.size() + kAeadTagBytes);
      unsigned long long sealed_length = 0;
      QZ_ASSERT(crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data(), &sealed_length, secret.data(), secret.size(),
                                                           associated.data(), associated.size(), nullptr, nonce,
                                                           secrets_key.bytes().data()) == 0);
      QZ_ASSERT_EQ(sealed_length, sealed.size());
      w.bytes(nonce, sizeof nonce);
      w.u8(static_cast<uint8_t>(secret.size()));
      w.bytes(sealed.data(), sealed.size());
    } else {
      w.bytes(entry.ed25519_public.data(), entry.ed25519_public.size());
    }
  }
  const std::array<uint8_t, kTagBytes> tag = file_tag(master_, out);
  w.bytes(tag.data(), tag.size());
  return out;
}

Status ApiKeyRegistry::parse(std::span<const uint8_t> bytes, MasterKey master, ApiKeyRegistry* out, size_t max_keys) {
  ensure_sodium();
  if (bytes.size() < kHeaderBytes + kTagBytes) return fail("file too short");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return fail("not an API key file (bad magic)");
  const uint32_t version = get_u32(bytes.data() + sizeof kMagic);
  if (version != kFormatVersion) return fail("unsupported format version " + std::to_string(version));
  const std::span<const uint8_t> body = bytes.first(bytes.size() - kTagBytes);
  const std::array<uint8_t, kTagBytes> expected = file_tag(master, body);
  if (sodium_memcmp(expected.data(), bytes.data() + body.size(), kTagBytes) != 0) {
    return fail("authentication failed (wrong master key, or the file was modified)");
  }

  ApiKeyRegistry registry(std::move(master), max_keys);
  const SecretBytes secrets_key = subkey(registry.master_, kSecretsSubkey);
  ByteReader r(body.data(), body.size());
  uint8_t skip[kHeaderBytes];
  QZ_ASSERT(r.bytes(skip, sizeof skip));
  const uint32_t count = get_u32(skip + sizeof kMagic + 4);
  if (count > max_keys) return fail("more keys than the registry may hold");
  for (uint32_t i = 0; i < count; i++) {
    const std::string where = "record " + std::to_string(i) + ": ";
    const size_t record_start = body.size() - r.remaining();
    Entry entry;
    const uint8_t id_length = r.u8();
    if (r.ok() && id_length != kApiKeyIdLength) return fail(where + "key id length is not 64");
    entry.info.key_id.resize(kApiKeyIdLength);
    r.bytes(entry.info.key_id.data(), kApiKeyIdLength);
    entry.info.spec.owner_user = r.u64();
    const uint8_t role = r.u8();
    entry.info.spec.permissions = r.u8();
    const uint8_t kind = r.u8();
    entry.info.spec.created_ms = r.i64();
    const uint8_t ranges = r.u8();
    if (!r.ok()) return fail(where + "truncated");
    if (role > kMaxRole) return fail(where + "unknown role");
    entry.info.spec.role = static_cast<Role>(role);
    if (kind != static_cast<uint8_t>(KeyKind::hmac_sha256) && kind != static_cast<uint8_t>(KeyKind::ed25519)) {
      return fail(where + "unknown key kind");
    }
    entry.info.kind = static_cast<KeyKind>(kind);
    if (ranges > kMaxAllowedRanges) return fail(where + "too many IP ranges");
    for (uint8_t k = 0; k < ranges; k++) {
      IpRange range;
      r.bytes(range.base.bytes.data(), range.base.bytes.size());
      range.prefix_bits = r.u8();
      entry.info.spec.allowed_ips.push_back(range);
    }
    if (!r.ok()) return fail(where + "truncated");
    if (entry.info.kind == KeyKind::hmac_sha256) {
      const size_t head_end = body.size() - r.remaining();
      const std::span<const uint8_t> associated = body.subspan(record_start, head_end - record_start);
      uint8_t nonce[kNonceBytes];
      r.bytes(nonce, sizeof nonce);
      const uint8_t secret_length = r.u8();
      std::vector<uint8_t> sealed(static_cast<size_t>(secret_length) + kAeadTagBytes);
      r.bytes(sealed.data(), sealed.size());
      if (!r.ok()) return fail(where + "truncated");
      std::vector<uint8_t> plain(secret_length);
      unsigned long long plain_length = 0;
      if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &plain_length, nullptr, sealed.data(), sealed.size(),
                                                     associated.data(), associated.size(), nonce,
                                                     secrets_key.bytes().data()) != 0) {
        return fail(where + "the secret does not decrypt");
      }
      QZ_ASSERT_EQ(plain_length, plain.size());
      entry.hmac_secret = SecretBytes(plain);
      sodium_memzero(plain.data(), plain.size());
      if (!alphanumeric(entry.hmac_secret.reveal(), kHmacSecretLength)) {
        return fail(where + "the secret is not 64 letters and digits");
      }
    } else {
      r.bytes(entry.ed25519_public.data(), entry.ed25519_public.size());
      if (!r.ok()) return fail(where + "truncated");
      if (crypto_core_ed25519_is_valid_point(entry.ed25519_public.data()) != 1) {
        return fail(where + "not a valid Ed25519 public key");
      }
    }
    const Status inserted = registry.insert(std::move(entry));
    if (!inserted.is_ok()) return fail(where + inserted.message().substr(std::string_view("api keys: ").size()));
  }
  if (r.remaining() != 0) return fail("bytes after the last record");
  *out = std::move(registry);
  return Status::ok();
}

}  // namespace qz::server
