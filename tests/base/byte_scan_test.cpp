// Eight-byte scans (base/byte_scan.h): each test is exact for the word, whatever the other lanes hold, including
// the lanes whose borrows reach their neighbours.
#include "base/byte_scan.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace qz::byte_scan {
namespace {

uint64_t word_of(const std::array<unsigned char, 8>& bytes) {
  uint64_t word = 0;
  std::memcpy(&word, bytes.data(), 8);
  return word;
}

TEST(ByteScan, AnyBelowIsExactForEveryPairOfNeighbouringLanes) {
  for (const unsigned n : {1u, 0x20u, 0x30u, 0x80u}) {
    for (size_t lane = 0; lane < 7; lane++) {
      for (unsigned low = 0; low < 256; low++) {
        for (unsigned high = 0; high < 256; high++) {
          std::array<unsigned char, 8> bytes;
          bytes.fill(0xC3);
          bytes[lane] = static_cast<unsigned char>(low);
          bytes[lane + 1] = static_cast<unsigned char>(high);
          const bool expected = low < n || high < n;
          ASSERT_EQ(any_below(word_of(bytes), static_cast<uint8_t>(n)), expected)
              << "n " << n << " lane " << lane << " bytes " << low << ", " << high;
        }
      }
    }
  }
}

TEST(ByteScan, AnyEqualFindsEachByteInEachLaneAndNothingElse) {
  for (const unsigned char wanted : {'%', '+', '"', '\\', '\0', '\xFF'}) {
    for (size_t lane = 0; lane < 8; lane++) {
      for (unsigned value = 0; value < 256; value++) {
        for (const unsigned char filler : {'a', '0', '\x01', '\xFE'}) {
          if (filler == wanted) continue;
          std::array<unsigned char, 8> bytes;
          bytes.fill(filler);
          bytes[lane] = static_cast<unsigned char>(value);
          ASSERT_EQ(any_equal(word_of(bytes), wanted), value == wanted)
              << "wanted " << int{wanted} << " lane " << lane << " value " << value << " filler " << int{filler};
        }
      }
    }
  }
}

TEST(ByteScan, LoadPadsTheLastFewBytes) {
  const std::string text = "0123456789";
  EXPECT_EQ(load(text, 0, 'z'), word_of({'0', '1', '2', '3', '4', '5', '6', '7'}));
  EXPECT_EQ(load(text, 8, 'z'), word_of({'8', '9', 'z', 'z', 'z', 'z', 'z', 'z'}));
  EXPECT_EQ(load(text, 10, 'z'), word_of({'z', 'z', 'z', 'z', 'z', 'z', 'z', 'z'}));
}

}  // namespace
}  // namespace qz::byte_scan
