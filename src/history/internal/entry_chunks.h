// An account's ledger entries, packed in chunks (docs/history.md, "account_entries"), an owner's fills and orders
// per market, likewise ("owner_trades", "owner_orders"), and an order's trades as maker ("orders.maker_trades").
// Internal to the history module.
//
// Each account's entries, in transfer id order, are cut into chunks of kEntriesPerChunk: the first 32 of an
// account form its first chunk, the next 32 its second, and so on; the last chunk may be partial and grows. The
// cut depends on nothing but the entries, so a rebuilt history has the same rows as a live one. An entry that
// moves money between two accounts is kept in both accounts' chunks.
//
// The packed form: for each entry, LEB128 varints (signed values zigzag-encoded) of transfer id minus the
// previous entry's (the first: minus the chunk's first transfer id, so 0), kind, asset, debit account, credit
// account, amount, debit balance after, credit balance after, hold id, trade id, reference, then height and time
// (ms) each as the difference from the previous entry's (the first: from 0), zigzag-encoded, modulo 2^64.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "history/history.h"
#include "sqlite/sqlite.h"

namespace qz::history_internal {

inline constexpr uint32_t kEntriesPerChunk = 32;  // about 0.8 KiB packed: four rows to a 4 KiB page

// Entry kinds as packed (stable: they are stored).
enum class EntryKindCode : uint8_t { transfer = 1, hold_post = 2, trade = 3, fee = 4 };

// The code of an EntryRow's kind; false for a kind that is not one of the four.
[[nodiscard]] bool entry_kind_code(std::string_view kind, EntryKindCode* out);

struct EntryChunk {
  uint64_t account = 0;
  uint64_t first_transfer_id = 0;
  uint64_t last_transfer_id = 0;
  int64_t first_time_ms = 0;
  int64_t last_time_ms = 0;
  uint64_t last_height = 0;
  uint32_t count = 0;
  std::vector<uint8_t> data = {};

  bool full() const { return count >= kEntriesPerChunk; }
  // Adds an entry with a higher transfer id than the last one (asserted) and a known kind.
  void append(const history::EntryRow& entry);
};

// Writes a chunk, new or grown: kChunkUpsert with the chunk bound by bind_chunk.
inline constexpr const char* kChunkUpsert =
    "INSERT INTO account_entries(account, first_transfer_id, last_transfer_id, first_time_ms, last_time_ms, count, "
    "entries) VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account, first_transfer_id) DO UPDATE SET "
    "last_transfer_id = excluded.last_transfer_id, last_time_ms = excluded.last_time_ms, count = excluded.count, "
    "entries = excluded.entries";
void bind_chunk(sqlite::Statement* statement, const EntryChunk& chunk);
inline constexpr const char* kChunkColumns =
    "account, first_transfer_id, last_transfer_id, first_time_ms, last_time_ms, count, entries";
// Reads a chunk from columns 0.. (kChunkColumns order).
void read_chunk(const sqlite::Statement& statement, EntryChunk* chunk);

// Unpacks `count` entries of a chunk that starts at `first_transfer_id`. Anything malformed (a truncated or
// overlong varint, an unknown kind, transfer ids that do not rise, bytes left over, a count that does not match)
// is an error naming what is wrong; `out` then holds what was read before it.
[[nodiscard]] Status unpack_entries(std::span<const uint8_t> data, uint64_t first_transfer_id, uint32_t count,
                                    std::vector<history::EntryRow>* out);

// ---- an owner's fills, or orders, in one market (docs/history.md, "owner_trades" and "owner_orders") --------------
//
// An owner's ids in one market, rising, each with a flag, cut into chunks of kIdsPerChunk the same way as the
// entries: the cut depends on nothing but the ids, so a rebuilt history has the same rows as a live one. Packed: for
// each id one LEB128 varint of (id minus the previous one's, the first minus the chunk's first id) * 2 + the flag.
// An id may come twice only flag clear, then set.
// - owner_trades: the owner's fills by trade id, the flag set for the maker side. A self-trade gives its owner two
//   fills of one trade id, the taker's first.
// - owner_orders: the owner's orders by order id, every flag clear.

inline constexpr uint32_t kIdsPerChunk = 64;

struct IdRef {
  uint64_t id = 0;
  bool flag = false;
  friend bool operator==(const IdRef&, const IdRef&) = default;
};

struct IdChunk {
  uint64_t owner = 0;
  uint32_t market = 0;
  uint64_t first_id = 0;
  uint64_t last_id = 0;
  uint32_t count = 0;
  bool last_flag = false;
  std::vector<uint8_t> data = {};

  bool full() const { return count >= kIdsPerChunk; }
  // Adds an id after the last one in (id, flag) order (asserted).
  void append(const IdRef& ref);
};

inline constexpr const char* kFillChunkUpsert =
    "INSERT INTO owner_trades(owner, market, first_trade_id, last_trade_id, count, fills) VALUES(?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(owner, market, first_trade_id) DO UPDATE SET last_trade_id = excluded.last_trade_id, "
    "count = excluded.count, fills = excluded.fills";
inline constexpr const char* kFillChunkColumns = "owner, market, first_trade_id, last_trade_id, count, fills";
inline constexpr const char* kOrderChunkUpsert =
    "INSERT INTO owner_orders(owner, market, first_order_id, last_order_id, count, orders) VALUES(?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(owner, market, first_order_id) DO UPDATE SET last_order_id = excluded.last_order_id, "
    "count = excluded.count, orders = excluded.orders";
inline constexpr const char* kOrderChunkColumns = "owner, market, first_order_id, last_order_id, count, orders";
// Binds a chunk to either upsert; reads one from either column list.
void bind_id_chunk(sqlite::Statement* statement, const IdChunk& chunk);
void read_id_chunk(const sqlite::Statement& statement, IdChunk* chunk);

// Unpacks `count` ids of a chunk that starts at `first_id`. Anything malformed (a truncated or overlong varint, ids
// out of order or twice, bytes left over) is an error naming what is wrong; `out` then holds what was read before it.
[[nodiscard]] Status unpack_ids(std::span<const uint8_t> data, uint64_t first_id, uint32_t count,
                                std::vector<IdRef>* out);

// ---- an order's trades as maker (docs/history.md, "orders.maker_trades", schema version 8) -----------------------
//
// The trade ids, rising, each a LEB128 varint of the difference from the one before (the first: from 0).

// Appends `id`, which is above `previous` (the last id appended, or 0) (asserted).
void append_rising_id(std::vector<uint8_t>* data, uint64_t previous, uint64_t id);

// Unpacks the ids. Anything malformed (a truncated or overlong varint, an id that does not rise, one past 2^64) is an
// error naming what is wrong; `out` then holds what was read before it.
[[nodiscard]] Status unpack_rising_ids(std::span<const uint8_t> data, std::vector<uint64_t>* out);

}  // namespace qz::history_internal
