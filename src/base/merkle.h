// Merkle roots over fixed-size records (commands and events of a block). Format in docs/formats.md.
//
//   leaf  = SHA-256(0x00 || up to kMerkleLeafRecords consecutive records)
//   node  = SHA-256(0x01 || left || right)
//   a level with an odd count carries its last hash up unchanged (never duplicated, so no two different
//   record lists share a root); the root of zero records is the leaf hash of no records, SHA-256(0x00).
//
// A leaf holds a page of records rather than one so that checking a block costs one bulk hash per page: the
// journal re-hashes every block at start-up. An inclusion proof names the page and carries its records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/sha256.h"

namespace qz {

inline constexpr size_t kMerkleLeafRecords = 64;

// Root over `records`, a whole number of `record_size`-byte records.
Hash256 merkle_root(std::span<const uint8_t> records, size_t record_size);

struct MerkleProof {
  uint64_t leaf_index = 0;   // which page
  uint64_t leaf_count = 0;   // pages in the tree
  std::vector<Hash256> path; // sibling hashes from the leaf upwards; levels where the node was carried up add none
};

// Proof that record `record_index` is in the tree of `records`.
MerkleProof merkle_prove(std::span<const uint8_t> records, size_t record_size, uint64_t record_index);

// True when `page` (the records of the proof's leaf) hashes up to `root` along `proof`.
bool merkle_verify(std::span<const uint8_t> page, const MerkleProof& proof, const Hash256& root);

}  // namespace qz
