// API keys and signed requests (server/api_keys.h): the published HMAC known answer, the parameter orders of ccxt
// and the SDK, Ed25519, each rejection in the contract's check order, and encrypted storage.
#include "server/api_keys.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace qz::server {
namespace {

// The venue's published example (contract 2.3).
constexpr char kKatKey[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr char kKatSecret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr char kKatMessage[] =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
constexpr char kKatSignature[] = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
constexpr int64_t kKatTimestamp = 1499827319559;

constexpr char kReaderKey[] = "READer0000000000000000000000000000000000000000000000000000000001";
constexpr char kReaderSecret[] = "readerSecret0000000000000000000000000000000000000000000000000001";
constexpr char kFencedKey[] = "FENCEd0000000000000000000000000000000000000000000000000000000002";
constexpr char kFencedSecret[] = "fencedSecret0000000000000000000000000000000000000000000000000002";

const IpAddress kHome = IpAddress::v4(198, 51, 100, 7);
const IpAddress kOffice = IpAddress::v4(10, 1, 2, 3);

MasterKey copy_of(const MasterKey& key) {
  MasterKey copy;
  EXPECT_TRUE(MasterKey::from_bytes(key.bytes(), &copy));
  return copy;
}

KeySpec trader_spec(uint64_t owner = 42) {
  return KeySpec{.owner_user = owner,
                 .role = Role::customer,
                 .permissions = static_cast<uint8_t>(Permission::read) | static_cast<uint8_t>(Permission::trade),
                 .allowed_ips = {},
                 .created_ms = 1'700'000'000'000};
}

IpRange range(std::string_view text) {
  IpRange out;
  EXPECT_TRUE(IpRange::parse(text, &out)) << text;
  return out;
}

std::string signed_with(std::string_view secret, std::string_view unsigned_params) {
  return std::string(unsigned_params) + "&signature=" + hmac_sha256_hex(secret, unsigned_params);
}

class SignedRequests : public ::testing::Test {
 protected:
  SignedRequests() : master_(MasterKey::generate()), registry_(copy_of(master_)) {
    EXPECT_TRUE(registry_.add_hmac(kKatKey, kKatSecret, trader_spec()).is_ok());
    KeySpec reader = trader_spec(43);
    reader.permissions = static_cast<uint8_t>(Permission::read);
    EXPECT_TRUE(registry_.add_hmac(kReaderKey, kReaderSecret, reader).is_ok());
    KeySpec fenced = trader_spec(44);
    fenced.allowed_ips = {range("10.0.0.0/8"), range("2001:db8::/32")};
    EXPECT_TRUE(registry_.add_hmac(kFencedKey, kFencedSecret, fenced).is_ok());
  }

  AuthResult auth(std::string_view key, std::string_view query, std::string_view body, int64_t now_ms,
                  Permission required = Permission::trade, const IpAddress& client = kHome) const {
    RequestParams params;
    EXPECT_EQ(RequestParams::parse(query, body, {}, &params), ParamError::ok) << query << " | " << body;
    return registry_.authenticate(params, key, now_ms, required, client);
  }

  MasterKey master_;
  ApiKeyRegistry registry_;
};

TEST(HmacSigning, PublishedKnownAnswer) {
  EXPECT_EQ(hmac_sha256_hex(kKatSecret, kKatMessage), kKatSignature);
  // The mixed example: query then body, no separator between them.
  EXPECT_EQ(hmac_sha256_hex(kKatSecret,
                            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&"
                            "timestamp=1499827319559"),
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
}

// RFC 4231 test cases 1 and 6: a short key, and a key longer than SHA-256's block (hashed first).
TEST(HmacSigning, Rfc4231KnownAnswers) {
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // One keyed state signs many messages, from several threads.
  const std::string key(64, 'k');
  const HmacSha256Key keyed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; i++) {
        const std::string message = "n=" + std::to_string(t * 1000 + i);
        uint8_t digest[32];
        keyed.sign(message, digest);
        static constexpr char kHex[] = "0123456789abcdef";
        std::string hex;
        for (const uint8_t byte : digest) hex += {kHex[byte >> 4], kHex[byte & 0xF]};
        if (hex != hmac_sha256_hex(key, message)) mismatches++;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(HmacSha256, PartsSignAsTheirConcatenation) {
  const std::string key(64, 'q');
  const HmacSha256Key keyed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  const std::string message = "symbol=BTCKZT&side=BUY&type=LIMIT&quantity=0.0001&price=52000000.00&timestamp=1";
  uint8_t whole[32];
  keyed.sign(message, whole);
  for (size_t cut = 0; cut <= message.size(); cut++) {
    const std::array<std::string_view, 2> parts = {std::string_view(message).substr(0, cut),
                                                   std::string_view(message).substr(cut)};
    uint8_t split[32];
    keyed.sign(parts, split);
    ASSERT_EQ(std::memcmp(whole, split, 32), 0) << "cut at " << cut;
  }
  const std::array<std::string_view, 3> three = {"symbol=BTCKZT&side=BUY", "", "&type=LIMIT"};
  uint8_t joined[32];
  uint8_t split[32];
  keyed.sign("symbol=BTCKZT&side=BUY&type=LIMIT", joined);
  keyed.sign(three, split);
  EXPECT_EQ(std::memcmp(joined, split, 32), 0);
}

TEST_F(SignedRequests, PublishedExampleVerifiesAsBodyQueryAndMixed) {
  const std::string signed_text = std::string(kKatMessage) + "&signature=" + kKatSignature;
  const int64_t now = kKatTimestamp + 300;
  const AuthResult as_body = auth(kKatKey, "", signed_text, now);
  ASSERT_TRUE(as_body.ok()) << as_body.error->message;
  EXPECT_EQ(as_body.identity, (KeyIdentity{.key_id = kKatKey,
                                           .owner_user = 42,
                                           .role = Role::customer,
                                           .permissions = 3,
                                           .kind = KeyKind::hmac_sha256}));
  EXPECT_EQ(as_body.timestamp_ms, kKatTimestamp);
  EXPECT_EQ(as_body.recv_window_ms, 5000);
  EXPECT_TRUE(auth(kKatKey, signed_text, "", now).ok());
  EXPECT_TRUE(auth(kKatKey, "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
                   "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature="
                   "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77",
                   now)
                  .ok());
  // Hex is compared case-insensitively.
  std::string upper = kKatSignature;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
  EXPECT_TRUE(auth(kKatKey, "", std::string(kKatMessage) + "&signature=" + upper, now).ok());
}

TEST_F(SignedRequests, CcxtAndSdkParameterOrdersBothVerify) {
  const int64_t now = 1'700'000'000'000;
  const std::string ts = std::to_string(now - 40);
  // ccxt createOrder: POST, everything in the body, timestamp first and recvWindow last (contract 4.10).
  const std::string ccxt_body = signed_with(
      kKatSecret, "timestamp=" + ts +
                      "&symbol=BTCUSDT&side=BUY&newClientOrderId=x-TKT5PX2F0123456789abcdef0123&newOrderRespType=FULL"
                      "&type=LIMIT&quantity=0.1&price=95&timeInForce=GTC&recvWindow=10000");
  const AuthResult ccxt = auth(kKatKey, "", ccxt_body, now);
  ASSERT_TRUE(ccxt.ok()) << ccxt.error->message;
  EXPECT_EQ(ccxt.recv_window_ms, 10000);
  // The SDK: every method puts all parameters in the query, user parameters first, the body empty.
  const std::string sdk_query = signed_with(kKatSecret,
                                            "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.1&price=95&timeInForce=GTC"
                                            "&newClientOrderId=x-U5D79M5B-0123456789abcde&timestamp=" +
                                                ts + "&recvWindow=5000");
  const AuthResult sdk = auth(kKatKey, sdk_query, "", now);
  ASSERT_TRUE(sdk.ok()) << sdk.error->message;
  EXPECT_EQ(sdk.recv_window_ms, 5000);
  // ccxt GET: the query, timestamp first.
  EXPECT_TRUE(auth(kKatKey, signed_with(kKatSecret, "timestamp=" + ts + "&symbol=BTCUSDT&orderId=12&recvWindow=10000"),
                   "", now, Permission::read)
                  .ok());
  // The signature covers the bytes as sent, still percent-encoded.
  const std::string encoded = "symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D&timestamp=" + ts;
  EXPECT_TRUE(auth(kKatKey, signed_with(kKatSecret, encoded), "", now, Permission::read).ok());
  const std::string decoded_signature =
      hmac_sha256_hex(kKatSecret, "symbols=[\"BTCUSDT\",\"ETHUSDT\"]&timestamp=" + ts);
  const AuthResult over_decoded = auth(kKatKey, encoded + "&signature=" + decoded_signature, "", now, Permission::read);
  ASSERT_FALSE(over_decoded.ok());
  EXPECT_EQ(over_decoded.error->code, -1022);
}

TEST_F(SignedRequests, RejectionsInCheckOrder) {
  const int64_t now = 1'700'000'000'000;
  const std::string ts = std::to_string(now);
  const std::string good = "symbol=BTCUSDT&timestamp=" + ts;
  struct Case {
    const char* rule;
    std::string key;
    std::string query;
    Permission required;
    IpAddress client;
    int32_t code;
    std::string message;
  };
  const std::string mandatory_signature = "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.";
  const std::string mandatory_timestamp = "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.";
  const std::string mandatory_window = "Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed.";
  const std::string format = "API-key format invalid.";
  const std::string rejected = "Invalid API-key, IP, or permissions for action.";
  const std::string bad_signature = "Signature for this request is not valid.";
  const std::string outside = "Timestamp for this request is outside of the recvWindow.";
  const std::string ahead = "Timestamp for this request was 1000ms ahead of the server's time.";
  const std::vector<Case> cases = {
      {"no X-MBX-APIKEY header", "", signed_with(kKatSecret, good), Permission::trade, kHome, -2014, format},
      {"key of 63 characters", std::string(kKatKey).substr(1), signed_with(kKatSecret, good), Permission::trade, kHome,
       -2014, format},
      {"key with a non-alphanumeric", std::string(63, 'a') + "-", signed_with(kKatSecret, good), Permission::trade,
       kHome, -2014, format},
      {"unknown key", std::string(64, 'Z'), signed_with(kKatSecret, good), Permission::trade, kHome, -2015, rejected},
      {"key without trade permission", kReaderKey, signed_with(kReaderSecret, good), Permission::trade, kHome, -2015,
       rejected},
      {"client outside the allow-list", kFencedKey, signed_with(kFencedSecret, good), Permission::trade, kHome, -2015,
       rejected},
      {"signature missing", kKatKey, good, Permission::trade, kHome, -1102, mandatory_signature},
      {"signature empty", kKatKey, good + "&signature=", Permission::trade, kHome, -1102, mandatory_signature},
      {"signature not last", kKatKey, "signature=" + hmac_sha256_hex(kKatSecret, good) + "&" + good, Permission::trade,
       kHome, -1022, bad_signature},
      {"signature by another secret", kKatKey, signed_with(kReaderSecret, good), Permission::trade, kHome, -1022,
       bad_signature},
      {"signature over other parameters", kKatKey, good + "&signature=" + hmac_sha256_hex(kKatSecret, good + "0"),
       Permission::trade, kHome, -1022, bad_signature},
      {"signature of 63 hex digits", kKatKey, good + "&signature=" + hmac_sha256_hex(kKatSecret, good).substr(1),
       Permission::trade, kHome, -1022, bad_signature},
      {"signature not hex", kKatKey, good + "&signature=" + std::string(64, 'g'), Permission::trade, kHome, -1022,
       bad_signature},
      {"timestamp missing", kKatKey, signed_with(kKatSecret, "symbol=BTCUSDT"), Permission::trade, kHome, -1102,
       mandatory_timestamp},
      {"timestamp not an integer", kKatKey, signed_with(kKatSecret, "timestamp=17e11"), Permission::trade, kHome, -1102,
       mandatory_timestamp},
      {"timestamp overflowing", kKatKey, signed_with(kKatSecret, "timestamp=99999999999999999999"), Permission::trade,
       kHome, -1102, mandatory_timestamp},
      {"recvWindow not an integer", kKatKey, signed_with(kKatSecret, good + "&recvWindow=5s"), Permission::trade, kHome,
       -1102, mandatory_window},
      {"recvWindow negative", kKatKey, signed_with(kKatSecret, good + "&recvWindow=-1"), Permission::trade, kHome,
       -1102, mandatory_window},
      {"recvWindow above 60000", kKatKey, signed_with(kKatSecret, good + "&recvWindow=60001"), Permission::trade, kHome,
       -1102, "'recvWindow' contains unexpected value. Cannot be greater than '60000'."},
      {"timestamp 1000 ms ahead", kKatKey, signed_with(kKatSecret, "timestamp=" + std::to_string(now + 1000)),
       Permission::trade, kHome, -1021, ahead},
      {"timestamp far ahead", kKatKey, signed_with(kKatSecret, "timestamp=" + std::to_string(now + 120'000)),
       Permission::trade, kHome, -1021, ahead},
      {"timestamp older than the default window", kKatKey,
       signed_with(kKatSecret, "timestamp=" + std::to_string(now - 5001)), Permission::trade, kHome, -1021, outside},
      {"timestamp older than recvWindow", kKatKey,
       signed_with(kKatSecret, "timestamp=" + std::to_string(now - 10001) + "&recvWindow=10000"), Permission::trade,
       kHome, -1021, outside},
      {"timestamp negative", kKatKey, signed_with(kKatSecret, "timestamp=-5"), Permission::trade, kHome, -1021,
       outside},
  };
  for (const Case& c : cases) {
    const AuthResult result = auth(c.key, c.query, "", now, c.required, c.client);
    ASSERT_FALSE(result.ok()) << c.rule;
    EXPECT_EQ(result.error->code, c.code) << c.rule;
    EXPECT_EQ(result.error->message, c.message) << c.rule;
  }
}

TEST_F(SignedRequests, EdgesOfTheTimeWindow) {
  const int64_t now = 1'700'000'000'000;
  const auto at = [&](int64_t timestamp, const std::string& extra = "") {
    return auth(kKatKey, signed_with(kKatSecret, "timestamp=" + std::to_string(timestamp) + extra), "", now);
  };
  EXPECT_TRUE(at(now + 999).ok());  // timestamp < now + 1000
  EXPECT_FALSE(at(now + 1000).ok());
  EXPECT_TRUE(at(now - 5000).ok());  // now - timestamp <= 5000 by default
  EXPECT_FALSE(at(now - 5001).ok());
  EXPECT_TRUE(at(now - 60000, "&recvWindow=60000").ok());
  EXPECT_TRUE(at(now, "&recvWindow=0").ok());
  EXPECT_FALSE(at(now - 1, "&recvWindow=0").ok());
}

TEST_F(SignedRequests, TheFirstFailingCheckWins) {
  const int64_t now = 1'700'000'000'000;
  // Every check fails: the key's.
  const std::string all_bad = "timestamp=1&recvWindow=99999999&signature=zz";
  EXPECT_EQ(auth(std::string(64, 'Z'), all_bad, "", now).error->code, -2015);
  // A known key: the signature's, before the bad timestamp and window.
  EXPECT_EQ(auth(kKatKey, all_bad, "", now).error->code, -1022);
  // A good signature: the window's size, before the timestamp.
  EXPECT_EQ(auth(kKatKey, signed_with(kKatSecret, "timestamp=1&recvWindow=99999999"), "", now).error->code, -1102);
  EXPECT_EQ(auth(kKatKey, signed_with(kKatSecret, "timestamp=1&recvWindow=60000"), "", now).error->code, -1021);
  // Permission before the signature.
  EXPECT_EQ(auth(kReaderKey, all_bad, "", now, Permission::trade).error->code, -2015);
  EXPECT_EQ(auth(kReaderKey, all_bad, "", now, Permission::read).error->code, -1022);
}

TEST_F(SignedRequests, AllowListAcceptsItsRanges) {
  const int64_t now = 1'700'000'000'000;
  const std::string query = signed_with(kFencedSecret, "timestamp=" + std::to_string(now));
  IpAddress v6;
  ASSERT_TRUE(IpAddress::parse("2001:db8:42::7", &v6));
  IpAddress mapped;
  ASSERT_TRUE(IpAddress::parse("::ffff:10.200.0.1", &mapped));
  IpAddress outside_v6;
  ASSERT_TRUE(IpAddress::parse("2001:db9::7", &outside_v6));
  EXPECT_TRUE(auth(kFencedKey, query, "", now, Permission::trade, kOffice).ok());
  EXPECT_TRUE(auth(kFencedKey, query, "", now, Permission::trade, v6).ok());
  EXPECT_TRUE(auth(kFencedKey, query, "", now, Permission::trade, mapped).ok());
  EXPECT_EQ(auth(kFencedKey, query, "", now, Permission::trade, outside_v6).error->code, -2015);
  // A key without a list takes any address.
  EXPECT_TRUE(
      auth(kKatKey, signed_with(kKatSecret, "timestamp=" + std::to_string(now)), "", now, Permission::trade, outside_v6)
          .ok());
}

TEST_F(SignedRequests, IdentifyForKeyOnlyRoutes) {
  EXPECT_TRUE(registry_.identify(kReaderKey, Permission::read, kHome).ok());
  EXPECT_EQ(registry_.identify(kReaderKey, Permission::read, kHome).identity.owner_user, 43u);
  EXPECT_EQ(registry_.identify("", Permission::read, kHome).error->code, -2014);
  EXPECT_EQ(registry_.identify(std::string(64, 'x'), Permission::read, kHome).error->code, -2015);
  EXPECT_EQ(registry_.identify(kFencedKey, Permission::none, kHome).error->code, -2015);
  EXPECT_TRUE(registry_.identify(kFencedKey, Permission::none, kOffice).ok());
}

class Ed25519Requests : public ::testing::Test {
 protected:
  Ed25519Requests() : registry_(MasterKey::generate()) {
    EXPECT_EQ(sodium_init() >= 0, true);
    crypto_sign_keypair(public_key_.data(), secret_key_);
    EXPECT_TRUE(registry_.add_ed25519(public_key_, trader_spec(), &key_id_).is_ok());
  }
  ~Ed25519Requests() override { sodium_memzero(secret_key_, sizeof secret_key_); }

  // base64 of the Ed25519 signature over `payload`, as the venue documents it.
  std::string signature_base64(std::string_view payload) const {
    unsigned char signature[crypto_sign_BYTES];
    crypto_sign_detached(signature, nullptr, reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
                         secret_key_);
    char text[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(text, sizeof text, signature, sizeof signature, sodium_base64_VARIANT_ORIGINAL);
    return text;
  }

  AuthResult auth(std::string_view query, std::string_view body, int64_t now) const {
    RequestParams params;
    EXPECT_EQ(RequestParams::parse(query, body, {}, &params), ParamError::ok);
    return registry_.authenticate(params, key_id_, now, Permission::trade, kHome);
  }

  std::array<uint8_t, 32> public_key_{};
  unsigned char secret_key_[crypto_sign_SECRETKEYBYTES];
  ApiKeyRegistry registry_;
  std::string key_id_;
};

TEST_F(Ed25519Requests, Base64SignatureOverTotalParamsVerifies) {
  const int64_t now = 1'700'000'000'000;
  const std::string payload =
      "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp=" + std::to_string(now) +
      "&recvWindow=5000";
  const std::string signature = signature_base64(payload);
  ASSERT_EQ(signature.size(), 88u);
  // Percent-encoded, as the venue's example appends it; in the query or in the body.
  const std::string encoded = payload + "&signature=" + percent_encode(signature);
  const AuthResult in_query = auth(encoded, "", now);
  ASSERT_TRUE(in_query.ok()) << in_query.error->message;
  EXPECT_EQ(in_query.identity.kind, KeyKind::ed25519);
  EXPECT_TRUE(auth("", encoded, now).ok());
  // Mixed: the signature covers the query then the body.
  const std::string query = "symbol=BTCUSDT&side=SELL";
  const std::string body = "type=LIMIT&timestamp=" + std::to_string(now);
  EXPECT_TRUE(auth(query, body + "&signature=" + percent_encode(signature_base64(query + body)), now).ok());
}

TEST_F(Ed25519Requests, BadSignaturesAreRefused) {
  const int64_t now = 1'700'000'000'000;
  const std::string payload = "symbol=BTCUSDT&timestamp=" + std::to_string(now);
  std::string signature = signature_base64(payload);
  // Over other bytes.
  EXPECT_EQ(auth(payload + "0&signature=" + percent_encode(signature), "", now).error->code, -1022);
  // One character changed (case matters for base64).
  std::string flipped = signature;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(auth(payload + "&signature=" + percent_encode(flipped), "", now).error->code, -1022);
  // Not base64, too short, or the HMAC form.
  EXPECT_EQ(auth(payload + "&signature=" + std::string(88, '*'), "", now).error->code, -1022);
  EXPECT_EQ(auth(payload + "&signature=" + percent_encode(signature.substr(0, 86)), "", now).error->code, -1022);
  EXPECT_EQ(auth(payload + "&signature=" + hmac_sha256_hex("x", payload), "", now).error->code, -1022);
  // Unencoded in the body, a '+' of the base64 becomes a space and the signature fails; in the query '+' is kept.
  for (int attempt = 0; attempt < 64 && signature.find('+') == std::string::npos; attempt++) {
    const std::string other = payload + "&n=" + std::to_string(attempt);
    signature = signature_base64(other);
    if (signature.find('+') != std::string::npos) {
      EXPECT_EQ(auth("", other + "&signature=" + signature, now).error->code, -1022);
      EXPECT_TRUE(auth(other + "&signature=" + signature, "", now).ok());
    }
  }
}

TEST(Ed25519Keys, ParsesRawBase64AndPem) {
  ASSERT_GE(sodium_init(), 0);
  std::array<uint8_t, 32> public_key{};
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(public_key.data(), secret_key);
  sodium_memzero(secret_key, sizeof secret_key);

  std::array<uint8_t, 32> parsed{};
  char raw_b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(raw_b64, sizeof raw_b64, public_key.data(), 32, sodium_base64_VARIANT_ORIGINAL);
  parsed = {};
  ASSERT_TRUE(parse_ed25519_public_key(raw_b64, &parsed));
  EXPECT_EQ(parsed, public_key);

  // SubjectPublicKeyInfo (RFC 8410): 302a300506032b6570032100 then the key.
  std::vector<uint8_t> der = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  der.insert(der.end(), public_key.begin(), public_key.end());
  char der_b64[sodium_base64_ENCODED_LEN(44, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(der_b64, sizeof der_b64, der.data(), der.size(), sodium_base64_VARIANT_ORIGINAL);
  const std::string pem = std::string("-----BEGIN PUBLIC KEY-----\n") + der_b64 + "\n-----END PUBLIC KEY-----\n";
  parsed = {};
  ASSERT_TRUE(parse_ed25519_public_key(pem, &parsed));
  EXPECT_EQ(parsed, public_key);

  std::array<uint8_t, 32> out{};
  EXPECT_FALSE(parse_ed25519_public_key("", &out));
  EXPECT_FALSE(parse_ed25519_public_key("not base64 at all", &out));
  EXPECT_FALSE(parse_ed25519_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n", &out));
  der[3] = 0x06;  // another algorithm's header
  sodium_bin2base64(der_b64, sizeof der_b64, der.data(), der.size(), sodium_base64_VARIANT_ORIGINAL);
  EXPECT_FALSE(parse_ed25519_public_key(der_b64, &out));
  // Raw bytes are not text: 32 characters are not taken as a key.
  EXPECT_FALSE(parse_ed25519_public_key(
      std::string_view(reinterpret_cast<const char*>(public_key.data()), public_key.size()), &out));
  const std::array<uint8_t, 32> small_order{};  // the all-zero point has small order and is refused
  char zero_b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(zero_b64, sizeof zero_b64, small_order.data(), 32, sodium_base64_VARIANT_ORIGINAL);
  EXPECT_FALSE(parse_ed25519_public_key(zero_b64, &out));
}

TEST(ApiKeyRegistry, CreatesRandomKeys) {
  ApiKeyRegistry registry(MasterKey::generate());
  CreatedHmacKey first;
  CreatedHmacKey second;
  ASSERT_TRUE(registry.create_hmac(trader_spec(), &first).is_ok());
  ASSERT_TRUE(registry.create_hmac(trader_spec(7), &second).is_ok());
  EXPECT_TRUE(api_key_id_valid(first.key_id));
  EXPECT_EQ(first.secret.size(), kHmacSecretLength);
  EXPECT_TRUE(api_key_id_valid(std::string(first.secret.reveal())));  // 64 letters and digits as well
  EXPECT_NE(first.key_id, second.key_id);
  EXPECT_NE(first.secret.reveal(), second.secret.reveal());
  ASSERT_TRUE(registry.find(first.key_id).has_value());
  EXPECT_EQ(registry.find(second.key_id)->spec.owner_user, 7u);
  EXPECT_EQ(registry.size(), 2u);
  // The returned secret signs requests.
  const int64_t now = 1'700'000'000'000;
  RequestParams params;
  ASSERT_EQ(
      RequestParams::parse(signed_with(first.secret.reveal(), "timestamp=" + std::to_string(now)), "", {}, &params),
      ParamError::ok);
  EXPECT_TRUE(registry.authenticate(params, first.key_id, now, Permission::trade, kHome).ok());
  EXPECT_EQ(registry.authenticate(params, second.key_id, now, Permission::trade, kHome).error->code, -1022);
  // Revoked keys are unknown.
  EXPECT_TRUE(registry.revoke(first.key_id));
  EXPECT_FALSE(registry.revoke(first.key_id));
  EXPECT_EQ(registry.authenticate(params, first.key_id, now, Permission::trade, kHome).error->code, -2015);
}

// Many keys, some revoked and one added again, then the registry moved: every request finds its own key, with
// its own owner, and a revoked key is unknown.
TEST(ApiKeyRegistry, FindsEachOfManyKeysAfterRevokesAndMoves) {
  ApiKeyRegistry registry(MasterKey::generate());
  std::vector<CreatedHmacKey> keys(300);
  for (size_t i = 0; i < keys.size(); i++) ASSERT_TRUE(registry.create_hmac(trader_spec(1000 + i), &keys[i]).is_ok());
  for (size_t i = 0; i < keys.size(); i += 3) ASSERT_TRUE(registry.revoke(keys[i].key_id));
  ASSERT_TRUE(registry.add_hmac(keys[0].key_id, keys[0].secret.reveal(), trader_spec(7)).is_ok());
  ApiKeyRegistry moved = std::move(registry);
  ApiKeyRegistry assigned(MasterKey::generate());
  assigned = std::move(moved);
  const int64_t now = 1'700'000'000'000;
  for (size_t i = 0; i < keys.size(); i++) {
    RequestParams params;
    ASSERT_EQ(
        RequestParams::parse(signed_with(keys[i].secret.reveal(), "timestamp=" + std::to_string(now)), "", {}, &params),
        ParamError::ok);
    const AuthResult result = assigned.authenticate(params, keys[i].key_id, now, Permission::trade, kHome);
    if (i != 0 && i % 3 == 0) {
      ASSERT_FALSE(result.ok()) << i;
      EXPECT_EQ(result.error->code, -2015) << i;
      continue;
    }
    ASSERT_TRUE(result.ok()) << i;
    EXPECT_EQ(result.identity.key_id, keys[i].key_id);
    EXPECT_EQ(result.identity.owner_user, i == 0 ? 7u : 1000 + i);
  }
  EXPECT_EQ(assigned.size(), keys.size() - 99);
}

TEST(ApiKeyRegistry, RefusesBadSpecsAndKeys) {
  const auto spec_with = [](auto change) {
    KeySpec spec = trader_spec();
    change(&spec);
    return spec;
  };
  struct Case {
    const char* rule;
    KeySpec spec;
    const char* problem;
  };
  const uint8_t read = static_cast<uint8_t>(Permission::read);
  const uint8_t withdraw = static_cast<uint8_t>(Permission::withdraw);
  const Case cases[] = {
      {"valid", trader_spec(), ""},
      {"owner 0", spec_with([](KeySpec* s) { s->owner_user = 0; }), "owner user id must not be 0"},
      {"role none", spec_with([](KeySpec* s) { s->role = Role::none; }), "role must be a known role"},
      {"role unknown", spec_with([](KeySpec* s) { s->role = static_cast<Role>(9); }), "role must be a known role"},
      {"unknown permission bit", spec_with([](KeySpec* s) { s->permissions = 8 | 1; }),
       "permissions hold unknown bits"},
      {"without read", spec_with([](KeySpec* s) { s->permissions = 2; }), "every key needs the read permission"},
      {"too many ranges", spec_with([](KeySpec* s) { s->allowed_ips.assign(33, range("10.0.0.0/8")); }),
       "at most 32 IP ranges"},
      {"range with host bits", spec_with([](KeySpec* s) {
         s->allowed_ips = {IpRange{IpAddress::v4(10, 1, 0, 0), 104}};
       }),
       "an IP range has host bits set or a prefix above 128"},
      {"regulator that trades", spec_with([](KeySpec* s) { s->role = Role::regulator; }),
       "a regulator key is read-only"},
      {"regulator reading", spec_with([&](KeySpec* s) {
         s->role = Role::regulator;
         s->permissions = read;
       }),
       ""},
      {"withdraw without a list", spec_with([&](KeySpec* s) { s->permissions = read | withdraw; }),
       "a key that may withdraw needs an IP allow-list"},
      {"withdraw with a list", spec_with([&](KeySpec* s) {
         s->permissions = read | withdraw;
         s->allowed_ips = {range("203.0.113.7")};
       }),
       ""},
  };
  for (const Case& c : cases) EXPECT_EQ(key_spec_problem(c.spec), c.problem) << c.rule;

  ApiKeyRegistry registry(MasterKey::generate(), /*max_keys=*/2);
  EXPECT_EQ(registry.add_hmac(kKatKey, kKatSecret, cases[1].spec).message(), "api keys: owner user id must not be 0");
  EXPECT_FALSE(registry.add_hmac("short", kKatSecret, trader_spec()).is_ok());
  EXPECT_FALSE(registry.add_hmac(kKatKey, "short", trader_spec()).is_ok());
  EXPECT_FALSE(registry.add_hmac(kKatKey, std::string(63, 'a') + "!", trader_spec()).is_ok());
  ASSERT_TRUE(registry.add_hmac(kKatKey, kKatSecret, trader_spec()).is_ok());
  EXPECT_EQ(registry.add_hmac(kKatKey, kReaderSecret, trader_spec()).message(), "api keys: a key with this id exists");
  ASSERT_TRUE(registry.add_hmac(kReaderKey, kReaderSecret, trader_spec()).is_ok());
  EXPECT_EQ(registry.add_hmac(kFencedKey, kFencedSecret, trader_spec()).message(),
            "api keys: the registry is full (2 keys)");
  const std::array<uint8_t, 32> identity{};
  EXPECT_FALSE(registry.add_ed25519_with_id(kFencedKey, identity, trader_spec()).is_ok());
  EXPECT_EQ(registry.size(), 2u);
}

TEST(ApiKeyStorage, SecretsAreEncryptedAtRestAndRoundTrip) {
  const MasterKey master = MasterKey::generate();
  ApiKeyRegistry registry(copy_of(master));
  CreatedHmacKey created;
  ASSERT_TRUE(registry.create_hmac(trader_spec(), &created).is_ok());
  KeySpec fenced = trader_spec(44);
  fenced.allowed_ips = {range("10.0.0.0/8"), range("2001:db8::/32")};
  fenced.permissions = kAllPermissions;
  ASSERT_TRUE(registry.add_hmac(kKatKey, kKatSecret, fenced).is_ok());
  std::array<uint8_t, 32> public_key{};
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(public_key.data(), secret_key);
  sodium_memzero(secret_key, sizeof secret_key);
  std::string ed_id;
  ASSERT_TRUE(registry.add_ed25519(public_key, trader_spec(45), &ed_id).is_ok());

  const std::vector<uint8_t> bytes = registry.serialise();
  const std::string text(bytes.begin(), bytes.end());
  EXPECT_EQ(text.substr(0, 8), "QZAPIKEY");
  EXPECT_EQ(text.find(kKatSecret), std::string::npos);
  EXPECT_EQ(text.find(std::string(created.secret.reveal())), std::string::npos);
  EXPECT_EQ(text.find(std::string(kKatSecret).substr(0, 16)), std::string::npos);
  EXPECT_NE(text.find(kKatKey), std::string::npos);  // ids are not secret
  // Fresh nonces: the same registry serialises to different bytes, both readable.
  EXPECT_NE(registry.serialise(), bytes);

  ApiKeyRegistry back(MasterKey::generate());
  ASSERT_TRUE(ApiKeyRegistry::parse(bytes, copy_of(master), &back).is_ok());
  EXPECT_EQ(back.list(), registry.list());
  EXPECT_EQ(back.find(kKatKey)->spec, fenced);
  const int64_t now = kKatTimestamp + 10;
  RequestParams params;
  ASSERT_EQ(RequestParams::parse("", std::string(kKatMessage) + "&signature=" + kKatSignature, {}, &params),
            ParamError::ok);
  EXPECT_TRUE(back.authenticate(params, kKatKey, now, Permission::trade, kOffice).ok());
  ASSERT_EQ(
      RequestParams::parse(signed_with(created.secret.reveal(), "timestamp=" + std::to_string(now)), "", {}, &params),
      ParamError::ok);
  EXPECT_TRUE(back.authenticate(params, created.key_id, now, Permission::trade, kHome).ok());
  EXPECT_EQ(back.find(ed_id)->kind, KeyKind::ed25519);
  // And once more: a parsed registry serialises to something that parses to the same keys.
  ApiKeyRegistry again(MasterKey::generate());
  ASSERT_TRUE(ApiKeyRegistry::parse(back.serialise(), copy_of(master), &again).is_ok());
  EXPECT_EQ(again.list(), registry.list());
}

TEST(ApiKeyStorage, DetectsWrongKeysAndChangedBytes) {
  const MasterKey master = MasterKey::generate();
  ApiKeyRegistry registry(copy_of(master));
  ASSERT_TRUE(registry.add_hmac(kKatKey, kKatSecret, trader_spec()).is_ok());
  KeySpec reader = trader_spec(43);
  reader.permissions = static_cast<uint8_t>(Permission::read);
  ASSERT_TRUE(registry.add_hmac(kReaderKey, kReaderSecret, reader).is_ok());
  const std::vector<uint8_t> bytes = registry.serialise();

  ApiKeyRegistry out(MasterKey::generate());
  ASSERT_TRUE(out.add_hmac(kFencedKey, kFencedSecret, trader_spec()).is_ok());
  const Status wrong = ApiKeyRegistry::parse(bytes, MasterKey::generate(), &out);
  EXPECT_EQ(wrong.message(), "api keys: authentication failed (wrong master key, or the file was modified)");
  // Every changed byte is caught (a permission, an allow-list, a ciphertext, the tag), and *out stays as it was.
  for (size_t i = 0; i < bytes.size(); i++) {
    std::vector<uint8_t> changed = bytes;
    changed[i] ^= 0x01;
    EXPECT_FALSE(ApiKeyRegistry::parse(changed, copy_of(master), &out).is_ok()) << "byte " << i;
  }
  for (size_t size = 0; size < bytes.size(); size++) {
    EXPECT_FALSE(ApiKeyRegistry::parse(std::span(bytes).first(size), copy_of(master), &out).is_ok()) << size;
  }
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(out.find(kFencedKey).has_value());
  // A registry holding fewer keys than the file refuses it.
  EXPECT_EQ(ApiKeyRegistry::parse(bytes, copy_of(master), &out, /*max_keys=*/1).message(),
            "api keys: more keys than the registry may hold");
  // An empty registry round-trips.
  ApiKeyRegistry empty(copy_of(master));
  ASSERT_TRUE(ApiKeyRegistry::parse(empty.serialise(), copy_of(master), &out).is_ok());
  EXPECT_EQ(out.size(), 0u);
}

TEST(SecretBytes, MovesLeaveNothingBehind) {
  SecretBytes a(std::string_view("0123456789"));
  EXPECT_EQ(a.reveal(), "0123456789");
  SecretBytes b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is the promise under test
  EXPECT_EQ(b.reveal(), "0123456789");
  SecretBytes c;
  c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.size(), 10u);
  MasterKey key;
  EXPECT_FALSE(MasterKey::from_bytes(std::vector<uint8_t>(31), &key));
  EXPECT_TRUE(MasterKey::from_bytes(std::vector<uint8_t>(32), &key));
}

}  // namespace
}  // namespace qz::server
