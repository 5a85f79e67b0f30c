#include "ledger/requests.h"

#include <algorithm>
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

// Zeroed by calloc: a big table comes as fresh pages the kernel zeroes when first touched, so a growth does not
// write all of it at once.
RequestTable::Slots RequestTable::allocate_slots(size_t count) {
  auto* slots = static_cast<uint64_t*>(std::calloc(count, sizeof(uint64_t)));
  QZ_ASSERT(slots != nullptr);
  return Slots(slots);
}

RequestTable::RequestTable(uint64_t reserved) {
  size_t slots = kInitialSlots;
  while (slots < 2 * reserved) slots *= 2;
  slots_ = allocate_slots(slots);
  mask_ = slots - 1;
  if (reserved > 0) {
    std::memset(slots_.get(), 0, slots * sizeof(uint64_t));  // touched now, not while commands run
    // Touch every page of the entry array once, so that adding entries never takes a page fault.
    for (uint64_t held = 0; held < reserved; held += kChunk) {
      chunks_.push_back(std::make_unique<RequestEntry[]>(kChunk));  // value-initialized: written now
    }
  }
}

uint64_t RequestTable::key_hash(uint64_t actor, uint64_t request_id) {
  return mix64(actor * 0x9E3779B97F4A7C15ULL ^ request_id);
}

// A slot holds the key hash's high 32 bits beside the entry index, so a probe touches an entry (a likely cache
// miss) only when the tags agree.
const RequestEntry* RequestTable::find(uint64_t actor, uint64_t request_id) const {
  const uint64_t hash = key_hash(actor, request_id);
  const RequestEntry* entry = probe(slots_.get(), mask_, hash, actor, request_id);
  if (entry == nullptr && old_slots_ != nullptr) entry = probe(old_slots_.get(), old_mask_, hash, actor, request_id);
  return entry;
}

const RequestEntry* RequestTable::probe(const uint64_t* slots, uint64_t mask, uint64_t hash, uint64_t actor,
                                        uint64_t request_id) const {
  const uint64_t tag = hash >> 32;
  for (size_t slot = static_cast<size_t>(hash & mask);; slot = (slot + 1) & mask) {
    const uint64_t value = slots[slot];
    if (value == 0) return nullptr;
    if ((value >> 32) != tag) continue;
    const RequestEntry& found = entry((value & 0xFFFFFFFFu) - 1);
    if (found.actor == actor && found.request_id == request_id) return &found;
  }
}

void RequestTable::add(const RequestEntry& entry) {
  QZ_ASSERT(entry.request_id != 0);
  QZ_ASSERT_LT(count_, static_cast<size_t>(UINT32_MAX - 1));
  if ((count_ + 1) * 2 > mask_ + 1) grow();
  if (count_ / kChunk == chunks_.size()) chunks_.push_back(std::make_unique_for_overwrite<RequestEntry[]>(kChunk));
  chunks_[count_ / kChunk][count_ % kChunk] = entry;
  count_++;
  insert_slot(count_ - 1, /*check_unique=*/true);
  if (old_slots_ != nullptr) move_some(kMovesPerAdd);
  absorb_full_chunks();
}

// Probes to the first empty slot. With check_unique, every entry with the same tag met on the way is compared:
// the key must not be present already (the chain to an empty slot passes any equal key).
void RequestTable::insert_slot(size_t index, bool check_unique) {
  const RequestEntry& added = entry(index);
  const uint64_t hash = key_hash(added.actor, added.request_id);
  const uint64_t tag = hash >> 32;
  size_t slot = static_cast<size_t>(hash & mask_);
  // Only slots_ is probed for a duplicate: an entry not moved yet is missed here, but add's caller has looked
  // the key up with find, which asks both tables.
  while (slots_[slot] != 0) {
    if (check_unique && (slots_[slot] >> 32) == tag) {
      const RequestEntry& other = entry((slots_[slot] & 0xFFFFFFFFu) - 1);
      QZ_ASSERT(other.actor != added.actor || other.request_id != added.request_id);
    }
    slot = (slot + 1) & mask_;
  }
  slots_[slot] = (tag << 32) | (index + 1);
}

void RequestTable::grow() {
  // kMovesPerAdd finishes a growth long before the next one is due; this only guards the arithmetic.
  if (old_slots_ != nullptr) move_some(old_count_ - moved_);
  QZ_ASSERT(old_slots_ == nullptr);
  const size_t count = 2 * (mask_ + 1);
  old_slots_ = std::move(slots_);
  old_mask_ = mask_;
  old_count_ = count_;
  moved_ = 0;
  slots_ = allocate_slots(count);
  mask_ = count - 1;
}

void RequestTable::move_some(size_t count) {
  const size_t end = std::min(old_count_, moved_ + count);
  for (; moved_ < end; moved_++) insert_slot(moved_, /*check_unique=*/false);
  if (moved_ == old_count_) old_slots_.reset();
}

// The digest absorbs whole chunks only, so it depends on the entries alone, never on when it is read.
void RequestTable::absorb_full_chunks() {
  while (count_ - absorbed_ >= kChunk) {
    Sha256 hasher;
    hasher.update(chunk_digest_.bytes.data(), 32);
    hasher.update(chunks_[absorbed_ / kChunk].get(), kChunk * sizeof(RequestEntry));
    chunk_digest_ = hasher.finish();
    absorbed_ += kChunk;
  }
}

void RequestTable::hash_into(Sha256* hasher) const {
  hasher->update("qazna.requests.v1");
  hasher->update_u64(count_);
  hasher->update(chunk_digest_.bytes.data(), 32);
  // The entries not absorbed yet are the start of one block (absorbed_ is a multiple of kChunk).
  if (count_ > absorbed_) {
    hasher->update(chunks_[absorbed_ / kChunk].get(), (count_ - absorbed_) * sizeof(RequestEntry));
  }
}

void RequestTable::write_snapshot(ByteWriter* out) const {
  out->u64(count_);
  for (size_t at = 0; at < count_; at += kChunk) {
    out->bytes(chunks_[at / kChunk].get(), std::min(kChunk, count_ - at) * sizeof(RequestEntry));
  }
}

bool RequestTable::read_snapshot(ByteReader* in) {
  QZ_ASSERT(count_ == 0);
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
  const auto used = [](const uint64_t* slots, uint64_t mask) {
    size_t count = 0;
    for (size_t i = 0; i <= mask; i++) count += slots[i] != 0 ? 1 : 0;
    return count;
  };
  const bool growing = old_slots_ != nullptr;
  if (growing && (moved_ >= old_count_ || old_count_ > count_)) return "requests: a growth is out of step";
  const size_t in_new = growing ? moved_ + (count_ - old_count_) : count_;
  if (used(slots_.get(), mask_) != in_new) return "requests: index and entries disagree";
  if (growing && used(old_slots_.get(), old_mask_) != old_count_) return "requests: the old index lost entries";
  if (2 * in_new > mask_ + 1) return "requests: index over half full";
  if (chunks_.size() < (count_ + kChunk - 1) / kChunk) return "requests: entries without a block";
  for (size_t i = 0; i < count_; i++) {
    const RequestEntry& held = entry(i);
    if (find(held.actor, held.request_id) != &held) return "requests: an entry cannot be found by its key";
  }
  if (absorbed_ % kChunk != 0 || count_ - absorbed_ >= kChunk) return "requests: digest lags behind";
  return {};
}

}  // namespace qz
