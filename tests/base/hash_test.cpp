// SHA-256 known vectors and the Merkle tree of merkle.h: golden roots (computed with Python's hashlib from the
// format in merkle.h, independently of our code), an independent in-test model over many sizes, single-byte
// sensitivity, and inclusion proofs for every record of trees of many sizes, honest and tampered.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "base/merkle.h"
#include "base/prng.h"
#include "base/sha256.h"

namespace qz {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256(std::string_view("")).hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256(std::string_view("abc")).hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).hex(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1'000'000, 'a');
  EXPECT_EQ(sha256(std::string_view(million)).hex(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShotAndResets) {
  Sha256 hasher;
  hasher.update(std::string_view("ab")).update(std::string_view("c"));
  EXPECT_EQ(hasher.finish(), sha256(std::string_view("abc")));
  // finish() resets: the next message starts fresh.
  hasher.update(std::string_view(""));
  EXPECT_EQ(hasher.finish(), sha256(std::string_view("")));
  // update_u64 is little-endian.
  hasher.update_u64(0x0807060504030201ULL);
  const uint8_t le[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(hasher.finish(), sha256(le, sizeof le));
}

// Updates of every size, mixed so that they straddle the internal buffer (1 KiB) in every way, hash as the
// whole message at once.
TEST(Sha256, AnySplitOfTheMessageGivesTheSameDigest) {
  std::string message;
  for (int i = 0; i < 5000; i++) message.push_back(static_cast<char>('a' + (i * 7) % 26));
  const Hash256 whole = sha256(std::string_view(message));
  for (const size_t step : {1u, 7u, 63u, 64u, 65u, 1000u, 1023u, 1024u, 1025u, 3000u}) {
    Sha256 hasher;
    size_t at = 0;
    for (size_t n = step; at < message.size(); n = n % 1500 + step) {
      const size_t take = std::min(n, message.size() - at);
      hasher.update(std::string_view(message).substr(at, take));
      at += take;
    }
    EXPECT_EQ(hasher.finish(), whole) << "step " << step;
  }
}

TEST(Sha256, HexRoundTripAndRejects) {
  const Hash256 h = sha256(std::string_view("abc"));
  Hash256 back;
  ASSERT_TRUE(Hash256::from_hex(h.hex(), &back));
  EXPECT_EQ(back, h);
  ASSERT_TRUE(Hash256::from_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", &back));
  EXPECT_EQ(back, h);
  EXPECT_FALSE(Hash256::from_hex(h.hex().substr(0, 63), &back));
  EXPECT_FALSE(Hash256::from_hex(h.hex() + "0", &back));
  std::string bad = h.hex();
  bad[10] = 'g';
  EXPECT_FALSE(Hash256::from_hex(bad, &back));
  EXPECT_TRUE(Hash256{}.is_zero());
  EXPECT_FALSE(h.is_zero());
}

// ---------------------------------------------------------------------------------------------------------------
// Merkle

constexpr size_t kRecord = 64;

std::vector<uint8_t> make_records(size_t count) {
  std::vector<uint8_t> bytes(count * kRecord);
  for (size_t j = 0; j < count; j++) {
    for (size_t k = 0; k < kRecord; k++) bytes[j * kRecord + k] = static_cast<uint8_t>(j * 31 + k);
  }
  return bytes;
}

// The definition in merkle.h, written plainly.
Hash256 model_root(const std::vector<uint8_t>& records, size_t record_size) {
  const size_t page = kMerkleLeafRecords * record_size;
  std::vector<Hash256> level;
  if (records.empty()) {
    const uint8_t tag = 0;
    level.push_back(sha256(&tag, 1));
  }
  for (size_t offset = 0; offset < records.size(); offset += page) {
    std::vector<uint8_t> leaf{0x00};
    leaf.insert(leaf.end(), records.begin() + static_cast<std::ptrdiff_t>(offset),
                records.begin() + static_cast<std::ptrdiff_t>(std::min(records.size(), offset + page)));
    level.push_back(sha256(leaf.data(), leaf.size()));
  }
  while (level.size() > 1) {
    std::vector<Hash256> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      std::vector<uint8_t> node{0x01};
      node.insert(node.end(), level[i].bytes.begin(), level[i].bytes.end());
      node.insert(node.end(), level[i + 1].bytes.begin(), level[i + 1].bytes.end());
      next.push_back(sha256(node.data(), node.size()));
    }
    if (level.size() % 2 == 1) next.push_back(level.back());
    level = next;
  }
  return level[0];
}

TEST(Merkle, GoldenRoots) {
  struct Golden {
    size_t records;
    const char* root;
  };
  const Golden table[] = {
      {0, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},  // SHA-256(0x00)
      {1, "e4fb1329f08b46df92906ff0be9b7ab12c44eabd3eb8651e69edb27bd8a19e95"},
      {64, "0f81fb1f5b85c57d0426f31205d0cb76aa6ac097120e0178f0eb7c65c0cad6ee"},
      {65, "9c55836ee082b24efb34d6d55e16dbf8a3f8ab0e204a90bf908f2fff98db7998"},
      {1000, "8264b7199a0957987ae9f05461397473af80627092091185af8eaf7b00a8ca94"},
  };
  for (const Golden& g : table) {
    const std::vector<uint8_t> records = make_records(g.records);
    EXPECT_EQ(merkle_root(records, kRecord).hex(), g.root) << g.records << " records";
  }
}

TEST(Merkle, MatchesThePlainModelForManySizes) {
  for (size_t count = 0; count <= 64 * 9 + 1; count += (count < 130 ? 1 : 7)) {
    const std::vector<uint8_t> records = make_records(count);
    ASSERT_EQ(merkle_root(records, kRecord), model_root(records, kRecord)) << count << " records";
  }
  // Another record size.
  std::vector<uint8_t> small(8 * 300);
  for (size_t i = 0; i < small.size(); i++) small[i] = static_cast<uint8_t>(i * 7);
  EXPECT_EQ(merkle_root(small, 8), model_root(small, 8));
}

TEST(Merkle, EveryByteMatters) {
  for (size_t count : {size_t{1}, size_t{64}, size_t{65}, size_t{200}}) {
    std::vector<uint8_t> records = make_records(count);
    const Hash256 root = merkle_root(records, kRecord);
    for (size_t position = 0; position < records.size(); position += (count <= 64 ? 1 : 13)) {
      records[position] ^= 0x01;
      ASSERT_NE(merkle_root(records, kRecord), root) << count << " records, byte " << position;
      records[position] ^= 0x01;
    }
    ASSERT_EQ(merkle_root(records, kRecord), root);
    // Dropping or adding a record changes the root too.
    if (count > 1) {
      const std::vector<uint8_t> shorter(records.begin(), records.end() - kRecord);
      EXPECT_NE(merkle_root(shorter, kRecord), root);
    }
    std::vector<uint8_t> longer = records;
    longer.insert(longer.end(), kRecord, 0);
    EXPECT_NE(merkle_root(longer, kRecord), root);
  }
}

TEST(Merkle, NoDuplicationOfTheOddLastNode) {
  // With duplication, pages [a, b, c] and [a, b, c, c] would share a root. Here they must not.
  const std::vector<uint8_t> three = make_records(64 * 3);
  std::vector<uint8_t> four = three;
  four.insert(four.end(), three.end() - 64 * kRecord, three.end());
  EXPECT_NE(merkle_root(three, kRecord), merkle_root(four, kRecord));
}

std::span<const uint8_t> page_of(const std::vector<uint8_t>& records, uint64_t leaf_index) {
  const size_t page = kMerkleLeafRecords * kRecord;
  const size_t begin = static_cast<size_t>(leaf_index) * page;
  return std::span<const uint8_t>(records).subspan(begin, std::min(page, records.size() - begin));
}

TEST(Merkle, ProveAndVerifyEveryRecord) {
  for (size_t count : {size_t{1}, size_t{2}, size_t{63}, size_t{64}, size_t{65}, size_t{128}, size_t{129},
                       size_t{64 * 3}, size_t{64 * 5 + 1}, size_t{64 * 7}, size_t{64 * 8}, size_t{64 * 13 + 5},
                       size_t{1000}}) {
    const std::vector<uint8_t> records = make_records(count);
    const Hash256 root = merkle_root(records, kRecord);
    const uint64_t pages = (count + kMerkleLeafRecords - 1) / kMerkleLeafRecords;
    for (uint64_t index = 0; index < count; index++) {
      const MerkleProof proof = merkle_prove(records, kRecord, index);
      ASSERT_EQ(proof.leaf_index, index / kMerkleLeafRecords);
      ASSERT_EQ(proof.leaf_count, pages);
      ASSERT_TRUE(merkle_verify(page_of(records, proof.leaf_index), proof, root))
          << count << " records, index " << index;
    }
  }
}

TEST(Merkle, TamperedProofsFail) {
  Prng prng(0x3E7C1E);
  for (size_t count : {size_t{65}, size_t{64 * 5 + 1}, size_t{1000}}) {
    const std::vector<uint8_t> records = make_records(count);
    const Hash256 root = merkle_root(records, kRecord);
    for (int trial = 0; trial < 40; trial++) {
      const uint64_t index = prng.below(count);
      const MerkleProof honest = merkle_prove(records, kRecord, index);
      const std::span<const uint8_t> page = page_of(records, honest.leaf_index);
      ASSERT_TRUE(merkle_verify(page, honest, root));

      // A flipped bit in any sibling hash.
      for (size_t level = 0; level < honest.path.size(); level++) {
        MerkleProof bad = honest;
        bad.path[level].bytes[prng.below(32)] ^= static_cast<uint8_t>(1u << prng.below(8));
        EXPECT_FALSE(merkle_verify(page, bad, root)) << "path level " << level;
      }
      // A flipped byte in the page.
      std::vector<uint8_t> page_copy(page.begin(), page.end());
      page_copy[prng.below(page_copy.size())] ^= 0x80;
      EXPECT_FALSE(merkle_verify(page_copy, honest, root));
      // A different page (honest bytes, wrong position).
      const uint64_t other = (honest.leaf_index + 1) % honest.leaf_count;
      EXPECT_FALSE(merkle_verify(page_of(records, other), honest, root));
      // Wrong leaf index, wrong leaf count, missing or extra path entries, another root.
      MerkleProof bad = honest;
      bad.leaf_index = other;
      EXPECT_FALSE(merkle_verify(page, bad, root));
      bad = honest;
      bad.leaf_index = honest.leaf_count;
      EXPECT_FALSE(merkle_verify(page, bad, root));
      bad = honest;
      bad.leaf_count = honest.leaf_count * 2 + 1;
      EXPECT_FALSE(merkle_verify(page, bad, root));
      if (!honest.path.empty()) {
        bad = honest;
        bad.path.pop_back();
        EXPECT_FALSE(merkle_verify(page, bad, root));
      }
      bad = honest;
      bad.path.push_back(root);
      EXPECT_FALSE(merkle_verify(page, bad, root));
      Hash256 other_root = root;
      other_root.bytes[0] ^= 1;
      EXPECT_FALSE(merkle_verify(page, honest, other_root));
    }
  }
}

}  // namespace
}  // namespace qz
