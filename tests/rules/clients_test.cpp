// The client registry on its own: statuses and the reasons that fit them, what movable() answers under the
// venue's policy, and snapshots (round trip, and refusal of every malformed field).
#include "rules/clients.h"
#include "rules/rates.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace qz {
namespace {

ClientFacts kazakh_retail() {
  ClientFacts facts;
  facts.classification = ClientClass::retail;
  facts.kyc_tier = 1;
  facts.residence[0] = 'K';
  facts.residence[1] = 'Z';
  facts.nationality[0] = 'K';
  facts.nationality[1] = 'Z';
  return facts;
}

TEST(ClientRegistry, EveryStatusTakesOnlyItsReasons) {
  // For each target status, the reasons (1-9) it accepts.
  const std::vector<std::pair<ClientStatus, std::vector<uint16_t>>> fits = {
      {ClientStatus::active, {2, 6}},
      {ClientStatus::frozen, {3, 4, 5}},
      {ClientStatus::offboarded, {4, 5, 7, 8, 9}},
  };
  for (const auto& [status, reasons] : fits) {
    for (uint16_t reason = 0; reason <= kMaxClientStatusReason + 1; reason++) {
      ClientRegistry registry;
      ASSERT_EQ(registry.register_client(5, kazakh_retail()), Result::ok);
      ClientStatus previous{};
      const bool fits_reason = std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
      const Result result = registry.set_status(5, status, static_cast<ClientStatusReason>(reason), &previous);
      EXPECT_EQ(result, fits_reason ? Result::ok : Result::client_status_invalid)
          << client_status_name(status) << " with reason " << reason;
      if (fits_reason) {
        EXPECT_EQ(previous, ClientStatus::pending);
      }
      EXPECT_EQ(registry.check_invariants(), "");
    }
  }
}

TEST(ClientRegistry, MovableFollowsStatusAndPolicy) {
  ClientRegistry registry;
  EXPECT_EQ(registry.movable(5), Result::ok);  // nobody registered, no policy
  registry.set_require_registered(true);
  EXPECT_EQ(registry.movable(5), Result::client_not_registered);
  ASSERT_EQ(registry.register_client(5, kazakh_retail()), Result::ok);
  EXPECT_EQ(registry.movable(5), Result::client_pending);
  ClientStatus previous{};
  ASSERT_EQ(registry.set_status(5, ClientStatus::active, ClientStatusReason::kyc_approved, &previous), Result::ok);
  EXPECT_EQ(registry.movable(5), Result::ok);
  ASSERT_EQ(registry.set_status(5, ClientStatus::frozen, ClientStatusReason::court_order, &previous), Result::ok);
  EXPECT_EQ(registry.movable(5), Result::client_frozen);
  ASSERT_EQ(registry.set_status(5, ClientStatus::offboarded, ClientStatusReason::court_order, &previous),
            Result::ok);
  EXPECT_EQ(registry.movable(5), Result::client_offboarded);
  registry.set_require_registered(false);
  EXPECT_EQ(registry.movable(6), Result::ok);  // without the policy an unknown client is the venue's call
}

TEST(ClientRegistry, SnapshotRoundTripsAndRefusesMalformedFields) {
  ClientRegistry registry;
  for (uint64_t id : {30u, 10u, 20u}) ASSERT_EQ(registry.register_client(id, kazakh_retail()), Result::ok);
  ClientStatus previous{};
  ASSERT_EQ(registry.set_status(20, ClientStatus::frozen, ClientStatusReason::sanctions_match, &previous), Result::ok);
  registry.set_require_registered(true);
  std::vector<uint8_t> bytes;
  ByteWriter out(&bytes);
  registry.write_snapshot(&out);
  ASSERT_EQ(bytes.size(), 1u + 8u + 3u * 18u);
  {
    ClientRegistry loaded;
    ByteReader in(bytes.data(), bytes.size());
    ASSERT_TRUE(loaded.read_snapshot(&in));
    EXPECT_EQ(loaded.find(20)->status, ClientStatus::frozen);
    EXPECT_TRUE(loaded.require_registered());
    Sha256 a;
    Sha256 b;
    registry.hash_into(&a);
    loaded.hash_into(&b);
    EXPECT_EQ(a.finish(), b.finish());
  }
  // One byte at a time made invalid: the policy flag, an id out of order, class, tier, a country, the test flag,
  // the status, the reason.
  const size_t first = 9;  // after the policy flag and the count
  const std::vector<std::pair<size_t, uint8_t>> breaks = {
      {0, 2},                // policy flag
      {first + 18, 5},       // the second client's id below the first's (ids are written in order)
      {first + 8, 3},        // class
      {first + 9, 4},        // tier
      {first + 10, 'k'},     // residence
      {first + 13, '1'},     // nationality
      {first + 14, 2},       // knowledge test
      {first + 15, 9},       // status
      {first + 16, 10},      // reason
  };
  for (const auto& [offset, value] : breaks) {
    std::vector<uint8_t> bad = bytes;
    bad[offset] = value;
    ClientRegistry loaded;
    ByteReader in(bad.data(), bad.size());
    EXPECT_FALSE(loaded.read_snapshot(&in)) << "byte " << offset;
  }
  // A count beyond the bytes present is refused before anything is read.
  std::vector<uint8_t> short_bytes(bytes.begin(), bytes.end() - 1);
  ClientRegistry loaded;
  ByteReader in(short_bytes.data(), short_bytes.size());
  EXPECT_FALSE(loaded.read_snapshot(&in));
}

TEST(ConversionRates, SnapshotRoundTripsAndRefusesBadRates) {
  ConversionRates rates;
  int64_t previous = -1;
  EXPECT_EQ(rates.set(3, 0, &previous), Result::conversion_rate_invalid);
  ASSERT_EQ(rates.set(3, 500, &previous), Result::ok);
  EXPECT_EQ(previous, 0);
  ASSERT_EQ(rates.set(kUsdRateAsset, 47'000, &previous), Result::ok);
  ASSERT_EQ(rates.set(3, 600, &previous), Result::ok);
  EXPECT_EQ(previous, 500);
  std::vector<uint8_t> bytes;
  ByteWriter out(&bytes);
  rates.write_snapshot(&out);
  ASSERT_EQ(bytes.size(), 4u + 2u * 12u);
  {
    ConversionRates loaded;
    ByteReader in(bytes.data(), bytes.size());
    ASSERT_TRUE(loaded.read_snapshot(&in));
    EXPECT_EQ(loaded.rate(3), 600);
    EXPECT_EQ(loaded.rate(kUsdRateAsset), 47'000);
  }
  // Assets out of order, and a rate of 0, are refused.
  for (const auto& [offset, value] : std::vector<std::pair<size_t, uint8_t>>{{4 + 12, 0}, {4 + 4, 0}}) {
    std::vector<uint8_t> bad = bytes;
    if (offset == 4 + 4) {
      for (size_t k = 0; k < 8; k++) bad[offset + k] = 0;  // the dollar's rate: 0
    } else {
      bad[offset] = value;  // the second asset id: 3 -> 0, not above the first (0)
    }
    ConversionRates loaded;
    ByteReader in(bad.data(), bad.size());
    EXPECT_FALSE(loaded.read_snapshot(&in)) << "offset " << offset;
  }
}

}  // namespace
}  // namespace qz
