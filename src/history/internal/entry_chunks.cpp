#include "history/internal/entry_chunks.h"

#include <string>

#include "base/assert.h"

namespace qz::history_internal {

namespace {

constexpr std::string_view kKindNames[] = {"transfer", "hold_post", "trade", "fee"};

constexpr size_t kMaxVarintBytes = 10;  // 64 bits, 7 to a byte
// A full chunk packs to about 0.8 KiB; reserving that once saves the vector's regrowth on every chunk.
constexpr size_t kChunkReserveBytes = 1024;

uint8_t* put_varint(uint8_t* out, uint64_t value) {
  while (value >= 0x80) {
    *out++ = static_cast<uint8_t>(value | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<uint8_t>(value);
  return out;
}

uint64_t zigzag(int64_t value) { return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63); }

int64_t unzigzag(uint64_t value) { return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1); }

class Unpacker {
 public:
  explicit Unpacker(std::span<const uint8_t> data) : data_(data) {}

  bool varint(uint64_t* out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ == data_.size()) return false;
      const uint8_t byte = data_[at_++];
      // The tenth byte may only hold the top bit of 64.
      if (shift == 63 && byte > 1) return false;
      value |= uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80) == 0) {
        *out = value;
        return true;
      }
    }
    return false;
  }
  bool signed_varint(int64_t* out) {
    uint64_t raw = 0;
    if (!varint(&raw)) return false;
    *out = unzigzag(raw);
    return true;
  }
  bool done() const { return at_ == data_.size(); }
  size_t offset() const { return at_; }

 private:
  std::span<const uint8_t> data_;
  size_t at_ = 0;
};

}  // namespace

bool entry_kind_code(std::string_view kind, EntryKindCode* out) {
  for (size_t i = 0; i < std::size(kKindNames); i++) {
    if (kKindNames[i] == kind) {
      *out = static_cast<EntryKindCode>(i + 1);
      return true;
    }
  }
  return false;
}

void EntryChunk::append(const history::EntryRow& e) {
  EntryKindCode kind{};
  QZ_ASSERT(entry_kind_code(e.kind, &kind));
  QZ_ASSERT(!full());
  if (count == 0) {
    first_transfer_id = e.transfer_id;
    first_time_ms = e.time_ms;
    last_transfer_id = e.transfer_id;
  }
  QZ_ASSERT(e.transfer_id >= last_transfer_id && (count == 0 || e.transfer_id > last_transfer_id));
  // Encoded on the stack and appended once: an entry is 13 varints, and this runs for every ledger entry.
  uint8_t packed[13 * kMaxVarintBytes];
  uint8_t* end = packed;
  end = put_varint(end, e.transfer_id - last_transfer_id);
  end = put_varint(end, static_cast<uint64_t>(kind));
  end = put_varint(end, e.asset);
  end = put_varint(end, e.debit_account);
  end = put_varint(end, e.credit_account);
  end = put_varint(end, zigzag(e.amount_minor));
  end = put_varint(end, zigzag(e.debit_balance_after));
  end = put_varint(end, zigzag(e.credit_balance_after));
  end = put_varint(end, e.hold_id);
  end = put_varint(end, e.trade_id);
  end = put_varint(end, e.reference);
  const uint64_t previous_height = count == 0 ? 0 : last_height;
  const int64_t previous_time = count == 0 ? 0 : last_time_ms;
  end = put_varint(end, zigzag(static_cast<int64_t>(e.height - previous_height)));
  end = put_varint(
      end, zigzag(static_cast<int64_t>(static_cast<uint64_t>(e.time_ms) - static_cast<uint64_t>(previous_time))));
  if (data.empty()) data.reserve(kChunkReserveBytes);
  data.insert(data.end(), packed, end);
  last_height = e.height;
  last_transfer_id = e.transfer_id;
  last_time_ms = e.time_ms;
  count++;
}

void bind_chunk(sqlite::Statement* s, const EntryChunk& c) {
  // The table's CHECK(count BETWEEN 1 AND 32), which the writer's connection does not evaluate.
  QZ_ASSERT(c.count >= 1 && c.count <= kEntriesPerChunk);
  s->bind(1, c.account)
      .bind(2, c.first_transfer_id)
      .bind(3, c.last_transfer_id)
      .bind(4, c.first_time_ms)
      .bind(5, c.last_time_ms)
      .bind(6, c.count)
      .bind_blob(7, c.data);
}

void read_chunk(const sqlite::Statement& s, EntryChunk* c) {
  c->account = s.column_u64(0);
  c->first_transfer_id = s.column_u64(1);
  c->last_transfer_id = s.column_u64(2);
  c->first_time_ms = s.column_i64(3);
  c->last_time_ms = s.column_i64(4);
  c->count = static_cast<uint32_t>(s.column_i64(5));
  c->data = s.column_blob(6);
}

Status unpack_entries(std::span<const uint8_t> data, uint64_t first_transfer_id, uint32_t count,
                      std::vector<history::EntryRow>* out) {
  Unpacker in(data);
  uint64_t previous = first_transfer_id;
  uint64_t height = 0;
  uint64_t time = 0;
  for (uint32_t i = 0; i < count; i++) {
    const auto bad = [&](const char* what) {
      return Status::error("history: the chunk of entries from transfer " + std::to_string(first_transfer_id) +
                           ": entry " + std::to_string(i) + " at byte " + std::to_string(in.offset()) + ": " + what);
    };
    uint64_t delta = 0;
    uint64_t kind = 0;
    uint64_t asset = 0;
    history::EntryRow e;
    if (!in.varint(&delta)) return bad("truncated or overlong transfer id");
    if ((i == 0) != (delta == 0)) return bad("transfer ids do not rise from the chunk's first");
    if (delta > UINT64_MAX - previous) return bad("transfer id past 2^64");
    e.transfer_id = previous + delta;
    if (!in.varint(&kind)) return bad("truncated kind");
    if (kind == 0 || kind > std::size(kKindNames)) return bad("unknown kind");
    e.kind = std::string(kKindNames[kind - 1]);
    if (!in.varint(&asset) || asset > UINT32_MAX) return bad("bad asset");
    e.asset = static_cast<uint32_t>(asset);
    int64_t height_step = 0;
    int64_t time_step = 0;
    if (!in.varint(&e.debit_account) || !in.varint(&e.credit_account) || !in.signed_varint(&e.amount_minor) ||
        !in.signed_varint(&e.debit_balance_after) || !in.signed_varint(&e.credit_balance_after) ||
        !in.varint(&e.hold_id) || !in.varint(&e.trade_id) || !in.varint(&e.reference) ||
        !in.signed_varint(&height_step) || !in.signed_varint(&time_step)) {
      return bad("truncated or overlong field");
    }
    height += static_cast<uint64_t>(height_step);
    time += static_cast<uint64_t>(time_step);
    e.height = height;
    e.time_ms = static_cast<int64_t>(time);
    previous = e.transfer_id;
    out->push_back(std::move(e));
  }
  if (!in.done()) {
    return Status::error("history: the chunk of entries from transfer " + std::to_string(first_transfer_id) + " has " +
                         std::to_string(data.size() - in.offset()) + " bytes after its " + std::to_string(count) +
                         " entries");
  }
  return Status::ok();
}

// ---- ids ----------------------------------------------------------------------------------------------------

void IdChunk::append(const IdRef& ref) {
  QZ_ASSERT(!full());
  if (count == 0) {
    first_id = ref.id;
    last_id = ref.id;
  } else {
    // (id, flag) rises: an id again only with the flag set after it was clear.
    QZ_ASSERT(ref.id > last_id || (ref.id == last_id && !last_flag && ref.flag));
  }
  uint8_t packed[kMaxVarintBytes];
  const uint64_t delta = ref.id - last_id;
  QZ_ASSERT(delta < (uint64_t{1} << 63));
  uint8_t* end = put_varint(packed, (delta << 1) | (ref.flag ? 1 : 0));
  if (data.empty()) data.reserve(kIdsPerChunk * 2);
  data.insert(data.end(), packed, end);
  last_id = ref.id;
  last_flag = ref.flag;
  count++;
}

void bind_id_chunk(sqlite::Statement* s, const IdChunk& c) {
  QZ_ASSERT(c.count >= 1 && c.count <= kIdsPerChunk);
  s->bind(1, c.owner).bind(2, c.market).bind(3, c.first_id).bind(4, c.last_id).bind(5, c.count).bind_blob(6, c.data);
}

void read_id_chunk(const sqlite::Statement& s, IdChunk* c) {
  c->owner = s.column_u64(0);
  c->market = static_cast<uint32_t>(s.column_i64(1));
  c->first_id = s.column_u64(2);
  c->last_id = s.column_u64(3);
  c->count = static_cast<uint32_t>(s.column_i64(4));
  c->data = s.column_blob(5);
}

Status unpack_ids(std::span<const uint8_t> data, uint64_t first_id, uint32_t count, std::vector<IdRef>* out) {
  Unpacker in(data);
  uint64_t previous = first_id;
  bool previous_flag = false;
  for (uint32_t i = 0; i < count; i++) {
    const auto bad = [&](const char* what) {
      return Status::error("history: the chunk of ids from " + std::to_string(first_id) + ": id " + std::to_string(i) +
                           " at byte " + std::to_string(in.offset()) + ": " + what);
    };
    uint64_t raw = 0;
    if (!in.varint(&raw)) return bad("truncated or overlong varint");
    const uint64_t delta = raw >> 1;
    const bool flag = (raw & 1) != 0;
    if (i == 0 && delta != 0) return bad("the first id is not the chunk's first");
    if (i > 0 && delta == 0 && (previous_flag || !flag)) return bad("ids out of order or twice");
    if (delta > UINT64_MAX - previous) return bad("id past 2^64");
    previous += delta;
    previous_flag = flag;
    out->push_back(IdRef{.id = previous, .flag = flag});
  }
  if (!in.done()) {
    return Status::error("history: the chunk of ids from " + std::to_string(first_id) + " has " +
                         std::to_string(data.size() - in.offset()) + " bytes after its " + std::to_string(count) +
                         " ids");
  }
  return Status::ok();
}

void append_rising_id(std::vector<uint8_t>* data, uint64_t previous, uint64_t id) {
  QZ_ASSERT(id > previous);
  uint8_t packed[kMaxVarintBytes];
  uint8_t* end = put_varint(packed, id - previous);
  data->insert(data->end(), packed, end);
}

Status unpack_rising_ids(std::span<const uint8_t> data, std::vector<uint64_t>* out) {
  Unpacker in(data);
  uint64_t previous = 0;
  while (!in.done()) {
    const auto bad = [&](const char* what) {
      return Status::error("history: the list of trade ids: id " + std::to_string(out->size()) + " at byte " +
                           std::to_string(in.offset()) + ": " + what);
    };
    uint64_t delta = 0;
    if (!in.varint(&delta)) return bad("truncated or overlong varint");
    if (delta == 0) return bad("an id that does not rise");
    if (delta > UINT64_MAX - previous) return bad("id past 2^64");
    previous += delta;
    out->push_back(previous);
  }
  return Status::ok();
}

}  // namespace qz::history_internal
