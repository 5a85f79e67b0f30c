#include "ledger/requests.h"

#include <cstring>

#include "base/assert.h"

namespace qz {

namespace {

uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ULL;
  x ^= x >> 33;
  return x;
}

constexpr size_t kInitialSlots = 1024;

}  // namespace

uint64_t fingerprint64(const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ size;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, bytes + i, 8);
    h = mix64(h ^ word) + 0x632BE59BD9B4E019ULL;
  }
  uint64_t tail = 0;
  for (size_t k = 0; i + k < size; k++) tail |= static_cast<uint64_t>(bytes[i + k]) << (8 * k);
  return mix64(h ^ tail);
}

RequestTable::RequestTable(uint64_t reserved) {
  size_t slots = kInitialSlots;
  while (slots < 2 * reserved) slots *= 2;
  slots_.assign(slots, 0);
  mask_ = slots - 1;
  if (reserved > 0) {
    // Touch every page of the entry array once, so that adding entries never takes a page fault.
    entries_.resize(reserved);
    entries_.clear();
  }
}

uint64_t RequestTable::key_hash(uint64_t actor, uint64_t request_id) {
  return mix64(actor * 0x9E3779B97F4A7C15ULL ^ request_id);
}

// A slot holds the key hash's high 32 bits beside the entry index, so a probe touches an entry (a likely cache
// miss) only when the tags agree.
const RequestEntry* RequestTable::find(uint64_t actor, uint64_t request_id) const {
  const uint64_t hash = key_hash(actor, request_id);
  const uint64_t tag = hash >> 32;
  for (size_t slot = static_cast<size_t>(hash & mask_);; slot = (slot + 1) & mask_) {
    const uint64_t value = slots_[slot];
    if (value == 0) return nullptr;
    if ((value >> 32) != tag) continue;
    const RequestEntry& entry = entries_[(value & 0xFFFFFFFFu) - 1];
    if (entry.actor == actor && entry.request_id == request_id) return &entry;
  }
}

void RequestTable::add(const RequestEntry& entry) {
  QZ_ASSERT(entry.request_id != 0);
  QZ_ASSERT_LT(entries_.size(), static_cast<size_t>(UINT32_MAX - 1));
  if ((entries_.size() + 1) * 2 > slots_.size()) grow();
  entries_.push_back(entry);
  insert_slot(entries_.size() - 1, /*check_unique=*/true);
  absorb_full_chunks();
}

// Probes to the first empty slot. With check_unique, every entry with the same tag met on the way is compared:
// the key must not be present already (the chain to an empty slot passes any equal key).
void RequestTable::insert_slot(size_t index, bool check_unique) {
  const RequestEntry& entry = entries_[index];
  const uint64_t hash = key_hash(entry.actor, entry.request_id);
  const uint64_t tag = hash >> 32;
  size_t slot = static_cast<size_t>(hash & mask_);
  while (slots_[slot] != 0) {
    if (check_unique && (slots_[slot] >> 32) == tag) {
      const RequestEntry& other = entries_[(slots_[slot] & 0xFFFFFFFFu) - 1];
      QZ_ASSERT(other.actor != entry.actor || other.request_id != entry.request_id);
    }
    slot = (slot + 1) & mask_;
  }
  slots_[slot] = (tag << 32) | (index + 1);
}

void RequestTable::grow() {
  slots_.assign(slots_.size() * 2, 0);
  mask_ = slots_.size() - 1;
  for (size_t i = 0; i < entries_.size(); i++) insert_slot(i, /*check_unique=*/false);
}

// The digest absorbs whole chunks only, so it depends on the entries alone, never on when it is read.
void RequestTable::absorb_full_chunks() {
  while (entries_.size() - absorbed_ >= kChunk) {
    Sha256 hasher;
    hasher.update(chunk_digest_.bytes.data(), 32);
    hasher.update(&entries_[absorbed_], kChunk * sizeof(RequestEntry));
    chunk_digest_ = hasher.finish();
    absorbed_ += kChunk;
  }
}

void RequestTable::hash_into(Sha256* hasher) const {
  hasher->update("qazna.requests.v1");
  hasher->update_u64(entries_.size());
  hasher->update(chunk_digest_.bytes.data(), 32);
  hasher->update(entries_.data() + absorbed_, (entries_.size() - absorbed_) * sizeof(RequestEntry));
}

void RequestTable::write_snapshot(ByteWriter* out) const {
  out->u64(entries_.size());
  out->bytes(entries_.data(), entries_.size() * sizeof(RequestEntry));
}

bool RequestTable::read_snapshot(ByteReader* in) {
  QZ_ASSERT(entries_.empty());
  const uint64_t count = in->u64();
  if (!in->ok() || count > in->remaining() / sizeof(RequestEntry) || count >= UINT32_MAX - 1) return false;
  for (uint64_t i = 0; i < count; i++) {
    RequestEntry entry{};
    if (!in->bytes(&entry, sizeof entry)) return false;
    if (entry.request_id == 0 || entry.zero != 0 || find(entry.actor, entry.request_id) != nullptr) return false;
    add(entry);
  }
  return true;
}

std::string RequestTable::check_invariants() const {
  size_t used = 0;
  for (uint64_t value : slots_) used += value != 0 ? 1 : 0;
  if (used != entries_.size()) return "requests: index and entries disagree";
  for (const RequestEntry& entry : entries_) {
    if (find(entry.actor, entry.request_id) != &entry) return "requests: an entry cannot be found by its key";
  }
  if (absorbed_ % kChunk != 0 || entries_.size() - absorbed_ >= kChunk) return "requests: digest lags behind";
  return {};
}

}  // namespace qz
