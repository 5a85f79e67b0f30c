#include "base/merkle.h"

#include "base/assert.h"

namespace qz {

namespace {

Hash256 leaf_hash(Sha256& hasher, std::span<const uint8_t> page) {
  const uint8_t tag = 0x00;
  return hasher.update(&tag, 1).update(page).finish();
}

Hash256 node_hash(Sha256& hasher, const Hash256& left, const Hash256& right) {
  const uint8_t tag = 0x01;
  return hasher.update(&tag, 1).update(left.bytes.data(), 32).update(right.bytes.data(), 32).finish();
}

std::vector<Hash256> leaf_level(Sha256& hasher, std::span<const uint8_t> records, size_t record_size) {
  const size_t page_bytes = kMerkleLeafRecords * record_size;
  std::vector<Hash256> level;
  if (records.empty()) {
    level.push_back(leaf_hash(hasher, records));
    return level;
  }
  level.reserve((records.size() + page_bytes - 1) / page_bytes);
  for (size_t offset = 0; offset < records.size(); offset += page_bytes) {
    level.push_back(leaf_hash(hasher, records.subspan(offset, std::min(page_bytes, records.size() - offset))));
  }
  return level;
}

void next_level(Sha256& hasher, std::vector<Hash256>* level) {
  const size_t count = level->size();
  size_t out = 0;
  for (size_t i = 0; i + 1 < count; i += 2) (*level)[out++] = node_hash(hasher, (*level)[i], (*level)[i + 1]);
  if (count % 2 == 1) (*level)[out++] = (*level)[count - 1];
  level->resize(out);
}

}  // namespace

Hash256 merkle_root(std::span<const uint8_t> records, size_t record_size) {
  QZ_ASSERT(record_size > 0);
  QZ_ASSERT(records.size() % record_size == 0);
  thread_local Sha256 hasher;
  std::vector<Hash256> level = leaf_level(hasher, records, record_size);
  while (level.size() > 1) next_level(hasher, &level);
  return level[0];
}

MerkleProof merkle_prove(std::span<const uint8_t> records, size_t record_size, uint64_t record_index) {
  QZ_ASSERT(record_size > 0);
  QZ_ASSERT(records.size() % record_size == 0);
  QZ_ASSERT(record_index < records.size() / record_size);
  Sha256 hasher;
  std::vector<Hash256> level = leaf_level(hasher, records, record_size);
  MerkleProof proof;
  proof.leaf_index = record_index / kMerkleLeafRecords;
  proof.leaf_count = level.size();
  uint64_t index = proof.leaf_index;
  while (level.size() > 1) {
    const uint64_t sibling = index ^ 1;
    if (sibling < level.size()) proof.path.push_back(level[sibling]);
    next_level(hasher, &level);
    index /= 2;
  }
  return proof;
}

bool merkle_verify(std::span<const uint8_t> page, const MerkleProof& proof, const Hash256& root) {
  if (proof.leaf_index >= proof.leaf_count) return false;
  Sha256 hasher;
  Hash256 hash = leaf_hash(hasher, page);
  uint64_t index = proof.leaf_index;
  uint64_t count = proof.leaf_count;
  size_t used = 0;
  while (count > 1) {
    const uint64_t sibling = index ^ 1;
    if (sibling < count) {
      if (used >= proof.path.size()) return false;
      hash = (index % 2 == 0) ? node_hash(hasher, hash, proof.path[used]) : node_hash(hasher, proof.path[used], hash);
      used++;
    }
    index /= 2;
    count = (count + 1) / 2;
  }
  return used == proof.path.size() && hash == root;
}

}  // namespace qz
